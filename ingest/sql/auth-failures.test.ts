// Wrong read credentials are bounded per client on the SQL endpoint (the ClickHouse HTTP interface that
// @clickhouse/client, the JDBC driver and curl speak), as failed authentications are on the public port.
// The reader below is a TEST DOUBLE of the engine's read-only connection: this file tests who may read,
// not what is read (sql.int.test.ts reads through the real engine).
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import type { ReadResult, SqlReader } from '../../store/index.ts';
import { loadReadCredential } from '../auth/credential.ts';
import { createAllowance } from '../plugins/rate-limit/allowance.ts';
import { buildSqlApp } from './app.ts';

const readerDouble: SqlReader = {
  read: async (): Promise<ReadResult> => ({
    body: new Uint8Array(Buffer.from('1\n')),
    rowsRead: 1,
    bytesRead: 1,
    elapsedS: 0,
  }),
  query: async () => [],
  timezone: 'UTC',
  version: '26.7.1.1',
  close: async () => {},
};

let app: FastifyInstance | undefined;
afterEach(() => app?.close());

async function sqlApp(perMinute: number) {
  const credential = loadReadCredential('default', undefined, mkdtempSync(join(tmpdir(), 'sql-auth-')));
  const password = readFileSync(credential.passwordFile, 'utf8').trim();
  let refused = 0;
  app = await buildSqlApp({
    reader: readerDouble,
    credential,
    authFailures: { allowance: createAllowance(perMinute), now: () => 1_000_000, refused: () => refused++ },
  });
  const ask = (auth?: string, remoteAddress = '203.0.113.7') =>
    (app as FastifyInstance).inject({
      method: 'POST',
      url: '/',
      payload: 'SELECT 1',
      remoteAddress,
      headers: auth === undefined ? {} : { authorization: `Basic ${btoa(auth)}` },
    });
  return { ask, password, refused: () => refused };
}

describe('the SQL endpoint bounds wrong read credentials per client', () => {
  // Regression: a client could guess the read password without end.
  it('answers 429 with Retry-After once a client has used its allowance, before any check', async () => {
    const { ask, password, refused } = await sqlApp(3);
    for (let i = 0; i < 3; i++) expect((await ask(`default:guess${i}`)).statusCode).toBe(403);
    const res = await ask('default:guess4');
    expect(res.statusCode).toBe(429);
    expect(res.headers['retry-after']).toBe('20');
    expect(res.headers['x-clickhouse-exception-code']).toBe('201');
    expect(res.body).toMatch(/^Code: 201\. DB::Exception: Too many failed authentications from this client/);
    // refused before the check: the right password waits too
    expect((await ask(`default:${password}`)).statusCode).toBe(429);
    expect(refused()).toBe(2);
    // another client has its own allowance
    expect((await ask(`default:${password}`, '198.51.100.9')).statusCode).toBe(200);
  });

  it('counts neither reads with the right credential nor requests without one', async () => {
    const { ask, password } = await sqlApp(2);
    const right = await Promise.all(Array.from({ length: 10 }, () => ask(`default:${password}`)));
    expect(right.map((r) => r.statusCode)).toEqual(Array(10).fill(200));
    for (let i = 0; i < 5; i++) expect((await ask()).statusCode).toBe(401);
    expect((await ask('default:wrong')).statusCode).toBe(403);
    expect((await ask(`default:${password}`)).statusCode).toBe(200);
  });
});
