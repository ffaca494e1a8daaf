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

// The README has rows the ingest never writes (jurisdictions) inserted this way on the embedded store.
it('runs a write when it opens the data directory itself, and the write is kept', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'query-write-'));
  mkdirSync(join(cwd, 'data', 'chdb'), { recursive: true });
  const env = { ...process.env, TRACKER_SQL__PORT: '1' };
  const run = (...args: string[]) =>
    spawnSync(process.execPath, [QUERY, ...args], { cwd, env, encoding: 'utf8' });
  for (const sql of [
    'CREATE TABLE rules (regulation String, seq UInt32) ENGINE = MergeTree ORDER BY seq',
    "INSERT INTO rules (regulation, seq) VALUES ('gdpr', 1)",
  ]) {
    const res = run(sql);
    expect(res.status, res.stderr).toBe(0);
  }
  const read = run('--json', 'SELECT regulation, seq FROM rules');
  expect(read.status, read.stderr).toBe(0);
  expect(read.stdout).toBe('{"regulation":"gdpr","seq":1}\n');
});
