// `make clean` removes what its help says, "local build output and data": every directory .gitignore
// lists except the npm packages and .cache/ (the tool cache, kept by clean, may live there: CACHE=.cache). It left client/dist (`make client`), test-results/ (the browser tests'
// screenshots) and e2e/jdbc/target (the JDBC probe's Maven build).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');

/** The directories .gitignore lists (an unanchored `dist/` also as the browser client's output). */
function ignoredDirectories(): string[] {
  const entries = readFileSync(join(root, '.gitignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.endsWith('/') && !l.startsWith('#'))
    .map((l) => l.replace(/^\//, '').replace(/\/$/, ''));
  return entries.flatMap((d) => (d === 'dist' ? ['dist', 'client/dist'] : [d]));
}

it('make clean removes every ignored directory but the packages and a tool cache', () => {
  const dir = mkdtempSync(join(tmpdir(), 'make-clean-'));
  const made = ignoredDirectories().filter((d) => d !== 'node_modules' && d !== '.cache');
  expect(made).toEqual(expect.arrayContaining(['client/dist', 'test-results', 'data']));
  for (const d of [...made, 'node_modules/some-package', '.cache']) {
    mkdirSync(join(dir, d), { recursive: true });
    writeFileSync(join(dir, d, 'file'), 'x');
  }
  // the Makefile's own recipe, run in the scratch directory (its paths are relative to where it runs)
  execFileSync('make', ['--no-print-directory', '-f', join(root, 'Makefile'), 'clean'], {
    cwd: dir,
    env: { PATH: process.env.PATH, HOME: dir },
    encoding: 'utf8',
  });
  expect(made.filter((d) => existsSync(join(dir, d)))).toEqual([]);
  expect(existsSync(join(dir, 'node_modules', 'some-package', 'file'))).toBe(true);
  expect(existsSync(join(dir, '.cache', 'file'))).toBe(true);
});
