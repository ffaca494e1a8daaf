// The read-only SQL endpoint of a running ingest process (what `make run` starts), read with the real
// @clickhouse/client: events sent to the ingest are read back while it runs; query parameters, formats,
// `database` and both ways of authenticating work; every kind of write is refused by the engine with
// READONLY and changes nothing; the read limits hold; errors arrive in ClickHouse's shape; a read
// occupying the endpoint does not hold up the data path's inserts; and reads are not logged one by one.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ClickHouseClient, ClickHouseLogLevel, createClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type IngestProcess, ingestProcess } from '../../e2e/browser/ingest-process.ts';
import { waitFor } from '../../e2e/env/wait.ts';
import { ClickHouseStore } from '../../store/index.ts';

const OID = '5a1e0000-0000-4000-8000-000000000001';
let ingest: IngestProcess;
let client: ClickHouseClient;

const quiet = { log: { level: ClickHouseLogLevel.OFF } };

async function send(events: Record<string, unknown>[]): Promise<void> {
  const res = await fetch(`${ingest.url}/tr/v1/str/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(events),
  });
  expect(res.status).toBe(200);
}

async function metric(line: string): Promise<number> {
  const text = await (await fetch(`${ingest.opsUrl}/metrics`)).text();
  return Number(
    text
      .split('\n')
      .find((l) => l.startsWith(line))
      ?.split(' ')
      .pop() ?? 0,
  );
}

const stored = () => metric('tracker_datapath_batch_rows_sum{table="events"}');

/** A read that takes longer than the engine's limit (6 s here) without using a core: sleeps, 3 s each. */
const SLOW = 'SELECT sum(s) FROM (SELECT sleep(3) AS s UNION ALL SELECT sleep(3) UNION ALL SELECT sleep(3))';

const raw = (query: string, init: RequestInit = {}, search = '') =>
  fetch(`${ingest.sqlUrl}/?${search}`, {
    method: 'POST',
    body: query,
    ...init,
    headers: { authorization: `Basic ${btoa(`default:${ingest.password()}`)}`, ...init.headers },
  });

beforeAll(async () => {
  ingest = await ingestProcess({
    batching: { tables: { events: { strategy: 'time', maxDelayMs: 20 } } },
    sql: { maxResultBytes: 1_048_576, maxExecutionTimeS: 6, maxQueued: 1, maxMemoryBytes: 67_108_864 },
  });
  await ingest.start();
  client = createClient({ url: ingest.sqlUrl, password: ingest.password(), ...quiet });
  await send([1, 2, 3].map((n) => ({ ename: 'step', oid: OID, n, url: `https://shop.example/p${n}` })));
  await waitFor(async () => (await stored()) === 3, { what: 'three events stored', timeoutMs: 20_000 });
});

afterAll(async () => {
  await client?.close();
  await ingest?.stop();
});

describe('read-only SQL endpoint (real ingest process, @clickhouse/client)', () => {
  it('reads what the ingest stored while it runs, with query parameters', async () => {
    expect((await client.ping()).success).toBe(true);
    const rs = await client.query({
      query: 'SELECT ename, toUInt32(params.n) AS n FROM events WHERE oid = {oid:UUID} ORDER BY n',
      query_params: { oid: OID },
      format: 'JSONEachRow',
    });
    expect(await rs.json()).toEqual([
      { ename: 'step', n: 1 },
      { ename: 'step', n: 2 },
      { ename: 'step', n: 3 },
    ]);
    expect(rs.query_id).not.toBe('');
  });

  it('answers in the format asked: FORMAT clause over default_format; database; JSON with meta', async () => {
    const json = await client.query({ query: 'SELECT count() AS n FROM events', format: 'JSON' });
    const body = await json.json<{ n: number }>();
    expect(body.data).toEqual([{ n: 3 }]);
    expect(body.meta).toEqual([{ name: 'n', type: 'UInt64' }]);
    const tsv = await raw('SELECT 1 AS x', {}, 'default_format=JSONCompact');
    expect(tsv.headers.get('x-clickhouse-format')).toBe('JSONCompact');
    expect(JSON.parse(await tsv.text()).data).toEqual([[1]]);
    const clause = await raw('SELECT 1 AS x FORMAT CSVWithNames', {}, 'default_format=JSONCompact');
    expect(await clause.text()).toBe('"x"\n1\n');
    const db = await client.query({ query: 'SELECT currentDatabase() AS d', format: 'JSONEachRow' });
    expect(await db.json()).toEqual([{ d: 'tracker' }]);
    const other = createClient({
      url: ingest.sqlUrl,
      password: ingest.password(),
      database: 'system',
      ...quiet,
    });
    const rows = await (
      await other.query({ query: 'SELECT currentDatabase() AS d', format: 'JSONEachRow' })
    ).json();
    await other.close();
    expect(rows).toEqual([{ d: 'system' }]);
  });

  it.each([
    ['INSERT', "INSERT INTO events (ename) VALUES ('forged')"],
    ['INSERT … SELECT', 'INSERT INTO events SELECT * FROM events'],
    ['ALTER … DELETE', 'ALTER TABLE events DELETE WHERE 1'],
    ['TRUNCATE', 'TRUNCATE TABLE events'],
    ['DROP', 'DROP TABLE events'],
    ['CREATE', 'CREATE TABLE forged (x UInt8) ENGINE = Memory'],
    ['OPTIMIZE', 'OPTIMIZE TABLE events FINAL'],
    ['a setting lifting read-only', 'SET readonly = 0'],
    ['a query-level setting lifting it', 'SELECT 1 SETTINGS readonly = 0'],
    ['a table function reading files', "SELECT * FROM file('/etc/passwd', 'LineAsString')"],
    ['a write to a file', "INSERT INTO FUNCTION file('/tmp/forged.csv', 'CSV', 'x UInt8') VALUES (1)"],
  ])('refuses %s with READONLY (the engine decides) and stores nothing', async (_name, query) => {
    const err = await client.command({ query }).then(
      () => undefined,
      (e: unknown) => e as { code: string; type: string; message: string },
    );
    expect(err).toMatchObject({ code: '164', type: 'READONLY' });
    const res = await raw(query);
    // regression: a 500, as ClickHouse answers, told the client a server fault happened and to retry
    expect(res.status).toBe(403);
    expect(res.headers.get('x-clickhouse-exception-code')).toBe('164');
    const text = await res.text();
    expect(text).toMatch(/^Code: 164\. DB::Exception: .*\(READONLY\) \(version [\d.]+\)\n$/);
    // and the reason: the endpoint is read-only, naming what it refused
    expect(text).toMatch(/read-only/);
    const rows = await (
      await client.query({ query: 'SELECT count() AS n FROM events', format: 'JSONEachRow' })
    ).json();
    expect(rows).toEqual([{ n: 3 }]);
  });

  it.each([
    ['SELECT', 'SELECT ename FROM events INTO OUTFILE {file} TRUNCATE'],
    ['a lower-case, commented one', 'select 1 /* x */ into\n  outfile {file}'],
    ['EXPLAIN', 'EXPLAIN SELECT 1 INTO OUTFILE {file}'],
    ['SHOW', 'SHOW TABLES INTO OUTFILE {file} APPEND'],
    ['a UNION', '(SELECT 1) UNION ALL (SELECT 2) INTO OUTFILE {file}'],
  ])(
    'refuses INTO OUTFILE of %s (the embedded engine writes it, read-only or not): no file',
    async (_n, sql) => {
      // Regression: `SELECT … INTO OUTFILE '/any/path'` answered 200 and wrote the file on the ingest's host.
      const file = join(mkdtempSync(join(tmpdir(), 'outfile-')), 'written.txt');
      const res = await raw(sql.replace('{file}', `'${file}'`));
      expect([res.status, res.headers.get('x-clickhouse-exception-code')]).toEqual([403, '164']);
      expect(await res.text()).toMatch(/INTO OUTFILE refused: it would write a file on the ingest's host/);
      expect(existsSync(file)).toBe(false);
    },
  );

  it.each([
    ['the first line of a file', "DESCRIBE file('/etc/passwd', 'TSVWithNames')"],
    ['a URL (a request from the ingest)', "desc TABLE url('{ops}/status', 'JSONEachRow')"],
  ])('refuses DESCRIBE of a table function, which read %s', async (_what, sql) => {
    // Regression: the engine's read-only check of file() and url() is not applied to DESCRIBE, which
    // answered /etc/passwd's first line as a column name, and fetched any URL from the ingest's host.
    const res = await raw(sql.replace('{ops}', ingest.opsUrl));
    expect([res.status, res.headers.get('x-clickhouse-exception-code')]).toEqual([403, '164']);
    const text = await res.text();
    expect(text).toMatch(/DESCRIBE of a table function refused/);
    expect(text).not.toContain('root:');
    // through a subquery, the engine's own check decides
    const sub = await raw("DESCRIBE (SELECT * FROM file('/etc/passwd', 'TSVWithNames'))");
    expect([sub.status, sub.headers.get('x-clickhouse-exception-code')]).toEqual([403, '164']);
    expect(await (await raw('DESCRIBE (SELECT * FROM numbers(2))')).text()).toMatch(/^number\tUInt64/);
  });

  it.each([
    ['a file', "SELECT file('{password}')"],
    ['a file, quoted and spaced', "SELECT `file` ( '{password}' ) AS content"],
  ])("refuses the function file(), which read %s on the ingest's host", async (_what, sql) => {
    // Regression: `SELECT file('/etc/passwd')` answered the file's content (the privacy hash key, TLS
    // keys, /etc/shadow under root: whatever the ingest can read).
    const res = await raw(sql.replace('{password}', `${ingest.dir}/state/sql.password`));
    expect([res.status, res.headers.get('x-clickhouse-exception-code')]).toEqual([403, '164']);
    const text = await res.text();
    expect(text).toMatch(/file\(\) refused/);
    expect(text).not.toContain(ingest.password());
  });

  it("refuses KILL, which could stop the ingest's own statements", async () => {
    // Regression: `KILL QUERY WHERE 1` ran on the read-only connection.
    const res = await raw('KILL QUERY WHERE 1');
    expect([res.status, res.headers.get('x-clickhouse-exception-code')]).toEqual([403, '164']);
    expect(await res.text()).toMatch(/KILL refused/);
  });

  it("serves the clickhouse store's reads; a syntax error quotes only the statement it was given", async () => {
    // Regression: the store's client appended "FORMAT JSONEachRow" to every read, and the engine's syntax
    // error quoted it (`node ingest/query.ts` with a clickhouse store printed it as the user's SQL).
    const store = new ClickHouseStore({
      url: ingest.sqlUrl,
      database: 'tracker',
      password: ingest.password(),
    });
    try {
      expect(
        await store.query('SELECT count() AS n FROM events WHERE ename = {e:String}', { e: 'step' }),
      ).toEqual([{ n: 3 }]);
      const err = (await store.query('SELEC 1').catch((e: unknown) => e)) as Error;
      expect(err.message).toMatch(/^Syntax error: failed at position 7/);
      expect(err.message).not.toContain('FORMAT');
    } finally {
      await store.close();
    }
  });

  it('runs a statement that only names INTO OUTFILE in a string or a quoted name', async () => {
    const res = await raw("SELECT 'INTO OUTFILE' AS `into outfile` FORMAT JSONEachRow");
    expect(await res.text()).toBe('{"into outfile":"INTO OUTFILE"}\n');
  });

  it('runs one statement per request, as ClickHouse does: a second one is a syntax error, nothing runs', async () => {
    const res = await raw("SELECT 1; INSERT INTO events (ename) VALUES ('forged')");
    expect([res.status, res.headers.get('x-clickhouse-exception-code')]).toEqual([400, '62']);
    expect(await res.text()).toMatch(/Multi-statements are not allowed.*\(SYNTAX_ERROR\)/);
  });

  it("regression: a failed read's partial output never reaches the next read (chdb keeps it on the connection)", async () => {
    const failing = await raw('SELECT number, throwIf(number = 70000) FROM numbers(100000)');
    expect(failing.headers.get('x-clickhouse-exception-code')).toBe('395');
    expect(await (await raw('SELECT 2')).text()).toBe('2\n');
  });

  it('refuses an insert through the client API too', async () => {
    await expect(
      client.insert({ table: 'events', values: [{ ename: 'forged' }], format: 'JSONEachRow' }),
    ).rejects.toMatchObject({
      code: '164',
    });
  });

  it('asks for the credential: missing, wrong, in the URL; and accepts the X-ClickHouse headers', async () => {
    const missing = await fetch(`${ingest.sqlUrl}/`, { method: 'POST', body: 'SELECT 1' });
    expect([missing.status, missing.headers.get('x-clickhouse-exception-code')]).toEqual([401, '194']);
    expect(missing.headers.get('www-authenticate')).toMatch(/^Basic /);
    const wrong = createClient({ url: ingest.sqlUrl, password: 'not-it', ...quiet });
    await expect(wrong.query({ query: 'SELECT 1' })).rejects.toMatchObject({
      code: '516',
      type: 'AUTHENTICATION_FAILED',
    });
    await wrong.close();
    const inUrl = await fetch(`${ingest.sqlUrl}/?user=default&password=${ingest.password()}&query=SELECT+1`);
    expect([inUrl.status, inUrl.headers.get('x-clickhouse-exception-code')]).toEqual([403, '516']);
    const headers = await fetch(`${ingest.sqlUrl}/?query=SELECT+41%2B1`, {
      headers: { 'x-clickhouse-user': 'default', 'x-clickhouse-key': ingest.password() },
    });
    expect(await headers.text()).toBe('42\n');
    expect((await fetch(`${ingest.sqlUrl}/ping`)).status).toBe(200);
  });

  it('answers HEAD / as GET /, without credentials (health checks)', async () => {
    // Regression: `curl -I` of the endpoint was a 400 "Empty query" (SYNTAX_ERROR).
    const head = await fetch(`${ingest.sqlUrl}/`, { method: 'HEAD' });
    expect([head.status, head.headers.get('x-clickhouse-exception-code')]).toEqual([200, null]);
    expect((await fetch(`${ingest.sqlUrl}/ping`, { method: 'HEAD' })).status).toBe(200);
  });

  it('errors in ClickHouse shape with their codes: syntax, unknown table, unknown parameter', async () => {
    await expect(client.query({ query: 'SELEC 1' })).rejects.toMatchObject({
      code: '62',
      type: 'SYNTAX_ERROR',
    });
    await expect(client.query({ query: 'SELECT * FROM nope' })).rejects.toMatchObject({ code: '60' });
    const res = await raw('SELECT {x:UInt8}');
    expect(res.headers.get('x-clickhouse-exception-code')).toBe('456');
  });

  it('bounds a read: the result size, a setting it may not change, the client deadline, the engine limit', async () => {
    await expect(
      client.query({ query: 'SELECT * FROM numbers(10000000)', format: 'JSONEachRow' }),
    ).rejects.toMatchObject({
      code: '396',
      type: 'TOO_MANY_ROWS_OR_BYTES',
      message: expect.stringMatching(/larger than the SQL endpoint allows \(sql\.maxResultBytes\)/),
    });
    // regression: a 500 for the reader's own oversized result
    expect((await raw('SELECT * FROM numbers(10000000)')).status).toBe(422);
    // and for a read over the memory one read may use, which the message did not name
    const memory = await raw('SELECT length(groupArray(number)) FROM numbers(20000000)');
    expect([memory.status, memory.headers.get('x-clickhouse-exception-code')]).toEqual([422, '241']);
    expect(await memory.text()).toMatch(/Query memory limit exceeded.*\(sql\.maxMemoryBytes\)/);
    await expect(
      client.query({ query: 'SELECT 1', clickhouse_settings: { max_result_bytes: '0' } }),
    ).rejects.toMatchObject({ code: '164' });
    await expect(
      client.query({ query: SLOW, clickhouse_settings: { max_execution_time: 1 } }),
    ).rejects.toMatchObject({
      code: '159',
      message: expect.stringMatching(/the client's own deadline \(its max_execution_time\)/),
    });
  });

  it('compresses the response when asked (enable_http_compression, gzip)', async () => {
    const gz = createClient({
      url: ingest.sqlUrl,
      password: ingest.password(),
      compression: { response: true },
      ...quiet,
    });
    const rows = await (
      await gz.query({ query: 'SELECT count() AS n FROM events', format: 'JSONEachRow' })
    ).json();
    await gz.close();
    expect(rows).toEqual([{ n: 3 }]);
    const res = await raw(
      'SELECT 1',
      { headers: { 'accept-encoding': 'gzip' } },
      'enable_http_compression=1',
    );
    expect(res.headers.get('content-encoding')).toBe('gzip');
    expect(await res.text()).toBe('1\n'); // fetch decompresses
  });

  it('refuses reads beyond the one running and maxQueued waiting (TOO_MANY_SIMULTANEOUS_QUERIES, 503)', async () => {
    const results = await Promise.all([1, 2, 3, 4].map(() => raw('SELECT sleep(1)')));
    const codes = results.map((r) => r.headers.get('x-clickhouse-exception-code') ?? String(r.status));
    expect(codes.filter((c) => c === '200')).toHaveLength(2);
    expect(codes.filter((c) => c === '202')).toHaveLength(2);
    const refused = results.find((r) => r.status === 503);
    expect(refused?.headers.get('retry-after')).toBe('1');
  });

  it('a read occupying the endpoint does not hold up the data path: events are stored before it ends', async () => {
    const before = await stored();
    let readDone = false;
    // Runs until the engine's limit (maxExecutionTimeS) stops it.
    const long = client
      .query({ query: SLOW })
      .catch((e: unknown) => e)
      .finally(() => {
        readDone = true;
      });
    await send([{ ename: 'during_read', oid: OID }]);
    await expect.poll(stored, { timeout: 20_000 }).toBe(before + 1);
    expect(readDone).toBe(false);
    expect(await long).toMatchObject({ code: '159', type: 'TIMEOUT_EXCEEDED' }); // the engine's own limit
  });

  // Last: it stops the process, whose output is only whole once it exited. Reads once logged two lines
  // each, with their URL and so the values of their query parameters.
  it('logs no line per read: no URL, no parameter value', async () => {
    const res = await raw('SELECT {v:String}', {}, 'param_v=kept-out-of-the-log');
    expect(await res.text()).toBe('kept-out-of-the-log\n');
    await ingest.stop();
    expect(ingest.output()).not.toContain('kept-out-of-the-log');
    expect(ingest.output()).not.toContain('incoming request');
  });
});
