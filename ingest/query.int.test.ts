// `node ingest/query.ts` on a data directory of its own (no ingest running): rows as a table, and a
// query that matches nothing says so instead of printing an empty frame.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { ingestProcess } from '../e2e/browser/ingest-process.ts';

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

it('shows a JSON column whole in the table, as its JSON text', () => {
  // Regression: an event's params of three keys, or nested ones, were printed as "[Object]".
  const cwd = mkdtempSync(join(tmpdir(), 'query-json-'));
  mkdirSync(join(cwd, 'data', 'chdb'), { recursive: true });
  const env = { ...process.env, TRACKER_SQL__PORT: '1' };
  const res = spawnSync(
    process.execPath,
    [
      QUERY,
      `SELECT CAST('{"plan":"pro","seats":5,"ehash":"x","ab":{"arm":"b"}}' AS JSON) AS params, [1, 2] AS list`,
    ],
    { cwd, env, encoding: 'utf8' },
  );
  expect(res.status, res.stderr).toBe(0);
  expect(res.stdout).not.toContain('[Object]');
  expect(res.stdout).toContain('{"ab":{"arm":"b"},"ehash":"x","plan":"pro","seats":5}');
  expect(res.stdout).toContain('[1,2]');
});

// The README has rows the ingest never writes (jurisdictions) inserted this way on the embedded store.
// A write that ran printed "(no rows)", which reads like a write that did nothing: it says "ok".
it('runs a write when it opens the data directory itself, says "ok", and the write is kept', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'query-write-'));
  mkdirSync(join(cwd, 'data', 'chdb'), { recursive: true });
  const env = { ...process.env, TRACKER_SQL__PORT: '1' };
  const run = (...args: string[]) =>
    spawnSync(process.execPath, [QUERY, ...args], { cwd, env, encoding: 'utf8' });
  for (const sql of [
    'CREATE TABLE rules (regulation String, seq UInt32) ENGINE = MergeTree ORDER BY seq',
    "/* a comment first */ INSERT INTO rules (regulation, seq) VALUES ('gdpr', 1)",
    'ALTER TABLE rules ADD COLUMN note String',
  ]) {
    const res = run(sql);
    expect(res.status, res.stderr).toBe(0);
    expect(res.stdout).toBe('ok\n');
  }
  const read = run('--json', 'SELECT regulation, seq FROM rules');
  expect(read.status, read.stderr).toBe(0);
  expect(read.stdout).toBe('{"regulation":"gdpr","seq":1}\n');
});

// The README's way to give /ppi/jds its rows on the embedded store. While the ingest ran, the insert was
// refused with the engine's bare "Cannot execute query in readonly mode" and nothing said what to do.
it('writes jurisdictions as the README says: refused with the remedy while the ingest runs, kept once stopped', async () => {
  const ingest = await ingestProcess({});
  const insert =
    "INSERT INTO jurisdictions (regulation, compliance, seq, rules, locs) VALUES ('gdpr', 'cookie-consent', 1, '{\"opt_in\": true}', '{\"country\": \"DE\"}')";
  const run = () =>
    spawnSync(process.execPath, [QUERY, '--config', join(ingest.dir, 'ingest.json'), insert], {
      cwd: ingest.dir,
      encoding: 'utf8',
    });
  try {
    await ingest.start();
    const refused = run();
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(
      /readonly mode: INSERT refused, the ingest's SQL endpoint is read-only.* To write .*stop the ingest and run query\.ts again/s,
    );
    await ingest.stop();
    const written = run();
    expect(written.status, written.stderr).toBe(0);
    await ingest.start();
    const jds = (await (await fetch(`${ingest.url}/tr/v1/ppi/jds`)).json()) as unknown[];
    expect(jds).toEqual([expect.objectContaining({ regulation: 'gdpr', locs: { country: 'DE' } })]);
  } finally {
    await ingest.stop();
  }
});

it('names the SQL endpoint it tried when a running ingest holds the data directory', async () => {
  // Regression: run with another sql.port than the ingest's, query.ts said only that another process
  // holds the directory, not that it had looked for the ingest's endpoint elsewhere.
  const ingest = await ingestProcess({});
  try {
    await ingest.start();
    const res = spawnSync(
      process.execPath,
      [QUERY, '--config', join(ingest.dir, 'ingest.json'), 'SELECT 1'],
      {
        cwd: ingest.dir,
        env: { ...process.env, TRACKER_SQL__PORT: '1' },
        encoding: 'utf8',
      },
    );
    expect(res.status).toBe(1);
    expect(res.stderr).toMatch(
      /another process \(pid \d+\) holds it.*no ingest SQL endpoint answered at http:\/\/127\.0\.0\.1:1 \(sql\.port\).*TRACKER_SQL__PORT/s,
    );
    // Regression: the engine printed its own "Code: 76. DB::Exception: Cannot lock file …" line first.
    expect(res.stderr).toMatch(/^query failed: open the embedded engine at /);
    expect(res.stderr).not.toContain('Code: 76');
  } finally {
    await ingest.stop();
  }
});

it('quotes only the SQL the user wrote in an error read through the running ingest, as when it opens the directory', async () => {
  // Regression: through the endpoint a syntax error quoted "1 \nFORMAT JSONEachRow", a clause the client
  // library had appended; and the two ways of reading printed the engine's error in two shapes.
  const ingest = await ingestProcess({});
  const run = (sql: string) =>
    spawnSync(process.execPath, [QUERY, '--config', join(ingest.dir, 'ingest.json'), sql], {
      cwd: ingest.dir,
      encoding: 'utf8',
    });
  try {
    await ingest.start();
    const viaServer = run('SELEC 1');
    expect(viaServer.status).toBe(1);
    expect(viaServer.stderr).not.toContain('FORMAT');
    expect(viaServer.stderr).toMatch(
      /^query failed: Code: 62\. DB::Exception: Syntax error: failed at position 7 \(1\): 1\. Expected one of: .*\(SYNTAX_ERROR\)\n$/s,
    );
    const rows = run('SELECT 1 AS one;');
    expect(rows.status, rows.stderr).toBe(0);
    expect(rows.stdout).toMatch(/│ one │/);
    await ingest.stop();
    const direct = run('SELEC 1');
    expect(direct.stderr).toBe(viaServer.stderr);
  } finally {
    await ingest.stop();
  }
});

it("reads its own data directory when another directory's ingest answers on the SQL port", async () => {
  // Regression: with a second checkout's ingest on 8123, query.ts sent that ingest this directory's
  // password and printed only "Authentication failed", though nothing held this directory.
  const other = await ingestProcess({});
  const cwd = mkdtempSync(join(tmpdir(), 'query-own-'));
  mkdirSync(join(cwd, 'data', 'chdb'), { recursive: true });
  writeFileSync(join(cwd, 'data', 'sql.password'), 'this-directory-s-own\n');
  const run = (port: string, sql: string) =>
    spawnSync(process.execPath, [QUERY, '--json', sql], {
      cwd,
      env: { ...process.env, TRACKER_SQL__PORT: port },
      encoding: 'utf8',
    });
  try {
    const made = run('1', "CREATE TABLE mine ENGINE = MergeTree ORDER BY x AS SELECT 'here' AS x");
    expect(made.status, made.stderr).toBe(0);
    await other.start();
    const read = run(new URL(other.sqlUrl).port, 'SELECT x FROM mine');
    expect(read.status, read.stderr).toBe(0);
    expect(read.stdout).toBe('{"x":"here"}\n');
  } finally {
    await other.stop();
  }
});
