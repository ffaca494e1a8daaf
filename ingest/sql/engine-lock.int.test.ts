// The engine's own lock beneath the SQL endpoint's list of refused statements, on a running ingest process:
// its user holds no grant of SOURCES (store/engine-access.ts), so a table function that reaches a file or
// another host is refused by the engine whatever the list lets through. Local servers on port 0 (HTTP, and
// a TCP port for the protocols that are not HTTP) must receive no connection; a probe file in a temporary
// directory must not be read. The ingest still stores what it is sent (its inserts read files).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type IngestProcess, ingestProcess } from '../../e2e/browser/ingest-process.ts';
import { waitFor } from '../../e2e/env/wait.ts';

let ingest: IngestProcess;
const probe = join(mkdtempSync(join(tmpdir(), 'engine-lock-')), 'probe.csv');
const SECRET = 'probe_secret_first_line';
let contacts = 0;
const http = createHttpServer((_req, res) => {
  contacts++;
  res.end('{"a":1}\n');
});
const tcp = createTcpServer((socket) => {
  contacts++;
  socket.destroy();
});
let httpUrl = '';
let tcpAddress = '';

const listen = (server: typeof http | typeof tcp) =>
  new Promise<number>((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)),
  );

const raw = (query: string) =>
  fetch(`${ingest.sqlUrl}/`, {
    method: 'POST',
    body: query,
    headers: { authorization: `Basic ${btoa(`default:${ingest.password()}`)}` },
  });

beforeAll(async () => {
  writeFileSync(probe, `${SECRET}\n1\n`);
  httpUrl = `http://127.0.0.1:${await listen(http)}/bucket/key.jsonl`;
  tcpAddress = `127.0.0.1:${await listen(tcp)}`;
  ingest = await ingestProcess({ batching: { tables: { events: { strategy: 'time', maxDelayMs: 20 } } } });
  await ingest.start();
});

afterAll(async () => {
  await ingest?.stop();
  http.close();
  tcp.close();
});

describe("the engine's lock beneath the list (real ingest process)", () => {
  it.each([
    ['url()', `SELECT * FROM url('{http}', 'JSONEachRow')`, 'URL'],
    ['s3()', `SELECT * FROM s3('{http}', 'JSONEachRow')`, 'S3'],
    ['remote()', `SELECT * FROM remote('{tcp}', system.one)`, 'REMOTE'],
    ['remoteSecure()', `SELECT * FROM remoteSecure('{tcp}', system.one)`, 'REMOTE'],
    ['mysql()', `SELECT * FROM mysql('{tcp}', 'd', 't', 'u', 'p')`, 'MYSQL'],
    ['postgresql()', `SELECT * FROM postgresql('{tcp}', 'd', 't', 'u', 'p')`, 'POSTGRES'],
    ['hdfs()', `SELECT * FROM hdfs('hdfs://{tcp}/x', 'JSONEachRow')`, 'HDFS'],
    ['sqlite()', `SELECT * FROM sqlite('{probe}', 't')`, 'SQLITE'],
    ['url() in a subquery', `SELECT 1 WHERE 1 IN (SELECT 1 FROM url('{http}', 'LineAsString'))`, 'URL'],
  ])(
    'refuses %s by the engine itself (no grant of it), 403: nothing reached or read',
    async (_name, sql, source) => {
      const before = contacts;
      const res = await raw(
        sql.replaceAll('{http}', httpUrl).replaceAll('{tcp}', tcpAddress).replaceAll('{probe}', probe),
      );
      expect([res.status, res.headers.get('x-clickhouse-exception-code')]).toEqual([403, '497']);
      const text = await res.text();
      expect(text).toMatch(new RegExp(`grant READ ON ${source}: this SELECT uses a table function`));
      expect(text).not.toContain(SECRET);
      expect(contacts).toBe(before);
    },
  );

  it('still stores what it is sent: its inserts read files, through no table function', async () => {
    const res = await fetch(`${ingest.url}/tr/v1/str/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([{ ename: 'lock', oid: '5a1e0000-0000-4000-8000-000000000002' }]),
    });
    expect(res.status).toBe(200);
    await waitFor(async () => (await (await raw('SELECT count() FROM events')).text()) === '1\n', {
      what: 'the event stored (inserted from its file)',
      timeoutMs: 20_000,
    });
  });
});
