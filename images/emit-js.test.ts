import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { emitAll, emitJs } from './emit-js.ts';

describe('emitJs', () => {
  it('removes the types and points relative imports at the .js, leaving packages and other strings alone', () => {
    const js = emitJs(
      [
        "import type { A } from './a.ts';",
        "import { b, type B } from '../b/b.ts';",
        "export { c } from './c.ts';",
        "export * from './d.ts';",
        "import { x } from 'pkg/x.ts';",
        "const e = await import('./e.ts');",
        "const name: string = 'server.ts';",
        'export const f = (n: number): B => b(n as number);',
      ].join('\n'),
    );
    expect(js).not.toMatch(/: (string|number)|type B|as number/);
    expect(js).toContain("from '../b/b.js'");
    expect(js).toContain("from './c.js'");
    expect(js).toContain("export * from './d.js'");
    expect(js).toContain("await import('./e.js')");
    expect(js).toContain("'pkg/x.ts'");
    expect(js).toContain("'server.ts'");
  });
});

describe('emitAll', () => {
  it('writes a .js beside each listed .ts that Node runs without type stripping', () => {
    const root = mkdtempSync(join(tmpdir(), 'emit-js-'));
    mkdirSync(join(root, 'lib'));
    writeFileSync(join(root, 'package.json'), '{"type":"module"}');
    writeFileSync(join(root, 'lib/twice.ts'), 'export const twice = (n: number): number => n * 2;\n');
    writeFileSync(
      join(root, 'main.ts'),
      "import { twice } from './lib/twice.ts';\nconst n: number = 21;\nconsole.log(twice(n));\n",
    );
    writeFileSync(join(root, 'data.sql'), 'SELECT 1');
    expect(emitAll(root, ['main.ts', 'lib/twice.ts', 'data.sql']).sort()).toEqual([
      'lib/twice.js',
      'main.js',
    ]);
    const run = spawnSync(process.execPath, ['--no-experimental-strip-types', join(root, 'main.js')], {
      encoding: 'utf8',
    });
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe('42\n');
    expect(readFileSync(join(root, 'main.ts'), 'utf8')).toContain('n: number'); // the .ts stays as it was
  });
});
