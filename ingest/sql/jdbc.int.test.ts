// The read-only SQL endpoint through ClickHouse's JDBC driver (HTTP; com.clickhouse:clickhouse-jdbc from
// Maven Central, run as a small Java program): it connects, reads what the ingest stored with a plain and
// a prepared statement, and its write is refused with READONLY. The driver is told not to ask for
// ClickHouse's native LZ4 block framing (`compress=false`), which the endpoint does not serve.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type IngestProcess, ingestProcess } from '../../e2e/browser/ingest-process.ts';
import { waitFor } from '../../e2e/env/wait.ts';
import { buildProbe, runProbe } from '../../e2e/jdbc/probe.ts';

const OID = '7a1e0000-0000-4000-8000-000000000007';
let ingest: IngestProcess;
let classpath: string;

beforeAll(async () => {
  classpath = buildProbe();
  ingest = await ingestProcess({ batching: { tables: { events: { strategy: 'time', maxDelayMs: 20 } } } });
  await ingest.start();
  const events = [{ ename: 'signup' }, { ename: 'signup' }, { ename: 'login' }].map((e) => ({
    ...e,
    oid: OID,
  }));
  const res = await fetch(`${ingest.url}/tr/v1/str/`, { method: 'POST', body: JSON.stringify(events) });
  expect(res.status).toBe(200);
  await waitFor(
    async () => (await ingest.query<{ n: number }>('SELECT count() AS n FROM events'))[0]?.n === 3,
    {
      what: 'three events stored',
      timeoutMs: 20_000,
    },
  );
}, 900_000);

afterAll(async () => {
  await ingest?.stop();
});

describe('read-only SQL endpoint through the JDBC driver', () => {
  it('reads with plain and prepared statements; a write is refused with READONLY', () => {
    const lines = runProbe(classpath, ingest.sqlUrl, ingest.password(), OID);
    expect(lines.slice(0, 4)).toEqual([
      ['product', 'ClickHouse'],
      ['count', '3'],
      ['by_name', 'login=1'],
      ['by_name', 'signup=2'],
    ]);
    expect(lines[4]?.[0]).toBe('insert');
    expect(lines[4]?.[1]).toMatch(/^refused 164 .*Cannot execute query in readonly mode/);
    expect(lines).toHaveLength(5);
  });
});
