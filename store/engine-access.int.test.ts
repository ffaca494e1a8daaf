// The embedded engine itself refuses what reaches outside its tables (engine-access.ts), on every
// connection of the process: a connection opened as the SQL endpoint's is (read-only) runs the statements
// here as they are, with no list of refused statements in front, as if that list missed them. A probe
// file in a temporary directory must not be read, and local servers on port 0 (HTTP, and a TCP port for
// the protocols that are not HTTP) must receive no connection. The writer still inserts from its files.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createTcpServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Session } from 'chdb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedStore, openEngineSession } from './embedded.ts';

const dir = mkdtempSync(join(tmpdir(), 'engine-access-'));
const probe = join(dir, 'probe.tsv');
const SECRET = 'probe_secret_first_line';
let store: EmbeddedStore;
let reader: Session;
let httpRequests = 0;
let tcpConnections = 0;
const http = createHttpServer((_req, res) => {
  httpRequests++;
  res.end('{"a":1}\n');
});
const tcp = createTcpServer((socket) => {
  tcpConnections++;
  socket.destroy();
});
let httpUrl = '';
let tcpAddress = '';

const listen = (server: Server | typeof http) =>
  new Promise<number>((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)),
  );

beforeAll(async () => {
  writeFileSync(probe, `${SECRET}\nsecond line\n`);
  httpUrl = `http://127.0.0.1:${await listen(http)}/bucket/key.jsonl`;
  tcpAddress = `127.0.0.1:${await listen(tcp)}`;
  store = await EmbeddedStore.open({ path: join(dir, 'chdb'), database: 'tracker' });
  await store.command('CREATE TABLE t (id UInt32) ENGINE = MergeTree ORDER BY id');
  ({ session: reader } = await openEngineSession(join(dir, 'chdb'), ['--readonly=1']));
});

afterAll(async () => {
  reader?.close();
  await store?.close();
  http.close();
  tcp.close();
});

/** The engine's answer to a statement on a connection: its text, or its error message. */
async function run(session: Session, sql: string): Promise<string> {
  try {
    return (await session.queryAsync(sql, { format: 'TSV' })).text();
  } catch (err) {
    await session.queryAsync('SELECT 1', { format: 'Null' }).catch(() => undefined);
    return `refused: ${(err as Error).message}`;
  }
}

// `DESCRIBE` of a table function is not subject to the engine's read-only check: each of these read its
// file or connected to its server on the read-only connection, answered with the file's first line or the
// server's error. The last two the read-only check refused already (READONLY); now the grant does first.
const DESCRIBED: ReadonlyArray<readonly [string, string, string]> = [
  ['DESCRIBE file()', `DESCRIBE file('{probe}', 'TSVWithNames')`, 'FILE'],
  ['DESCRIBE url()', `DESCRIBE url('{http}', 'JSONEachRow')`, 'URL'],
  ['DESCRIBE s3()', `DESCRIBE s3('{http}', 'JSONEachRow')`, 'S3'],
  ['DESCRIBE remote()', `DESCRIBE remote('{tcp}', system.one)`, 'REMOTE'],
  ['DESCRIBE remoteSecure()', `DESCRIBE remoteSecure('{tcp}', system.one)`, 'REMOTE'],
  ['DESCRIBE mysql()', `DESCRIBE mysql('{tcp}', 'd', 't', 'u', 'p')`, 'MYSQL'],
  ['DESCRIBE postgresql()', `DESCRIBE postgresql('{tcp}', 'd', 't', 'u', 'p')`, 'POSTGRES'],
  ['DESCRIBE hdfs()', `DESCRIBE hdfs('hdfs://{tcp}/x', 'JSONEachRow')`, 'HDFS'],
  ['DESCRIBE mongodb()', `DESCRIBE mongodb('{tcp}', 'd', 'c', 'u', 'p', 'x String')`, 'MONGO'],
  ['DESCRIBE redis()', `DESCRIBE redis('{tcp}', 'k', 'k String')`, 'REDIS'],
  ['DESCRIBE odbc() (it starts a bridge process)', `DESCRIBE odbc('DSN=x', 'd', 't')`, 'ODBC'],
  ['DESCRIBE iceberg()', `DESCRIBE iceberg('{http}')`, 'S3'],
  ['DESCRIBE sqlite()', `DESCRIBE sqlite('{probe}', 't')`, 'SQLITE'],
  ['DESCRIBE of a subquery over file()', `DESCRIBE (SELECT * FROM file('{probe}', 'TSVWithNames'))`, 'FILE'],
  ['SELECT from url()', `SELECT * FROM url('{http}', 'JSONEachRow')`, 'URL'],
];

const fill = (sql: string) =>
  sql.replaceAll('{probe}', probe).replaceAll('{http}', httpUrl).replaceAll('{tcp}', tcpAddress);

describe('the embedded engine refuses table functions that reach outside it (no grant of SOURCES)', () => {
  it.each(DESCRIBED)(
    'regression: %s is refused by the engine (no grant), nothing is read or reached',
    async (_name, sql, source) => {
      const before = { http: httpRequests, tcp: tcpConnections };
      const answer = await run(reader, fill(sql));
      expect(answer).toMatch(new RegExp(`grant READ ON ${source}.*\\(ACCESS_DENIED\\)`));
      expect(answer).not.toContain(SECRET);
      expect({ http: httpRequests, tcp: tcpConnections }).toEqual(before);
    },
  );

  it('refuses them on the writing connection too (one user for the whole process)', async () => {
    const answer = await store.query(fill(`SELECT * FROM url('{http}', 'JSONEachRow')`)).then(
      () => 'ran',
      (e: Error) => e.message,
    );
    expect(answer).toMatch(/grant READ ON URL.*\(ACCESS_DENIED\)/);
    expect(httpRequests).toBe(0);
  });

  it("still inserts the writer's batches from their files (INSERT … FROM INFILE) and reads them back", async () => {
    await store.insert('t', [{ id: 1 }, { id: 2 }], { dedupToken: 'engine-access-1' });
    expect(await store.query('SELECT count() AS n FROM t')).toEqual([{ n: 2 }]);
    expect(await run(reader, 'SELECT sum(id) FROM tracker.t')).toBe('3\n');
  });
});
