// `node ingest/query.ts` on a data directory of its own (no ingest running): rows as a table, and a
// query that matches nothing says so instead of printing an empty frame.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';

const QUERY = new URL('./query.ts', import.meta.url).pathname;

it('prints the rows as a table, and "(no rows)" when nothing matches; --json prints nothing then', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'query-rows-'));
  mkdirSync(join(cwd, 'data', 'chdb'), { recursive: true });
  // no SQL endpoint answers on this port, so the data directory is opened
  const env = { ...process.env, TRACKER_SQL__PORT: '1' };
  const run = (...args: string[]) =>
    spawnSync(process.execPath, [QUERY, ...args], { cwd, env, encoding: 'utf8' });
  const some = run('SELECT 1 AS one');
  expect(some.status, some.stderr).toBe(0);
  expect(some.stdout).toMatch(/│ one │/);
  const none = run('SELECT 1 AS one WHERE 0');
  expect(none.status, none.stderr).toBe(0);
  expect(none.stdout).toBe('(no rows)\n');
  const json = run('--json', 'SELECT 1 AS one WHERE 0');
  expect(json.status, json.stderr).toBe(0);
  expect(json.stdout).toBe('');
});
