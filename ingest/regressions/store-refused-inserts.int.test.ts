// Inserts into a ClickHouse server that refuses the ingest's password (a rotated password only the server
// has yet: the real client against the ClickHouse HTTP test double, which answers AUTHENTICATION_FAILED as
// a server does). The rows must stay in the spool and be retried, never dead-lettered, each failure said
// under a code of its own (INSERT_STORE_REFUSED, the refusal `credentials`), and arrive once the password
// is fixed. The failure was said only as a generic INSERT_FAILED, as for a server that is down, and
// neither /ready nor the data path's status said the store was refusing. Nor did /metrics: an alert could
// not tell a refusing store from one that is down (tracker_datapath_store_refused{refusal} now says it).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ClickHouseHttp, startClickHouseHttp } from '../../e2e/support/clickhouse-http/server.ts';
import { ClickHouseStore } from '../../store/index.ts';
import { buildApp } from '../app.ts';
import { parseConfig } from '../config.ts';
import { createDataPath } from '../datapath/datapath.ts';
import { InsertFailure } from '../datapath/delivery.ts';
import { testEvent as event } from '../datapath/testing/rows.ts';
import { testDeps } from '../testing/deps.ts';

const DB = 'refused_inserts';
let server: ClickHouseHttp;
beforeAll(async () => {
  server = await startClickHouseHttp({
    dir: mkdtempSync(join(tmpdir(), 'refused-inserts-')),
    password: 'new',
  });
  const admin = new ClickHouseStore({ url: server.url, database: 'default', password: 'new' });
  await admin.command(`CREATE DATABASE IF NOT EXISTS ${DB}`);
  await admin.close();
});
afterAll(() => server?.close());

/** The store-refused gauge's value of each refusal, as /metrics exports it. */
async function refusedGauge(registry: Registry): Promise<Record<string, number>> {
  const text = await registry.metrics();
  const lines = [...text.matchAll(/^tracker_datapath_store_refused\{refusal="(\w+)"\} (\d+)$/gm)];
  return Object.fromEntries(lines.map(([, refusal, v]) => [refusal, Number(v)]));
}

async function until(check: () => Promise<boolean> | boolean, what: string, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('a store refusing the password on inserts', () => {
  it('keeps the rows in the spool, says INSERT_STORE_REFUSED, and delivers them once the password is right', async () => {
    const config = parseConfig({
      store: { kind: 'clickhouse', url: server.url, database: DB },
      spool: { dir: mkdtempSync(join(tmpdir(), 'spool-')) },
      batching: {
        breaker: { failureThreshold: 3, openMs: 20, maxOpenMs: 50 },
        // two fast retries: a refusal treated as a code the data path does not know would be isolated
        // and dead-lettered soon after them
        tables: { events: { strategy: 'immediate', backoffMs: 5, retries: 2 } },
      },
    });
    const failures: InsertFailure[] = [];
    const stale = new ClickHouseStore({ url: server.url, database: DB, password: 'old' });
    const migrating = new ClickHouseStore({ url: server.url, database: DB, password: 'new' });
    const setup = await createDataPath(config, { store: migrating, migrate: true });
    await setup.close(1000);

    const registry = new Registry();
    const refused = await createDataPath(config, {
      store: stale,
      migrate: false,
      registry,
      onError: (err) => {
        if (err instanceof InsertFailure) failures.push(err);
      },
    });
    await refused.append('events', [event(1), event(2), event(3)]);
    await until(() => failures.length >= 6, 'six refused attempts');
    expect(failures[0]?.code).toBe('INSERT_STORE_REFUSED');
    expect(failures[0]?.fields).toMatchObject({ table: 'events', refusal: 'credentials' });
    expect(failures[0]?.message).toMatch(/store user or password/);
    expect(new Set(failures.map((f) => f.code))).toEqual(new Set(['INSERT_STORE_REFUSED']));
    // the batch is in flight (out of the pending queue) but its rows are still in the spool's files
    expect(refused.status()).toMatchObject({ deadLetters: 0 });
    expect(refused.status().spoolBytes).toBeGreaterThan(0);
    expect(refused.status().storeRefused).toBe('credentials');
    expect(await refusedGauge(registry)).toEqual({ credentials: 1, permissions: 0, schema: 0 });
    // still ready: the spool takes events (every replica shares the password; not-ready would refuse them
    // all), and the probe's body says why the store is not being written
    const app = await buildApp(await testDeps(refused));
    const ready = await app.inject({ url: '/ready' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({ ready: true, storeRefused: 'credentials' });
    await app.close();
    await refused.close(200);

    const fixed = new ClickHouseStore({ url: server.url, database: DB, password: 'new' });
    const fixedRegistry = new Registry();
    const delivering = await createDataPath(config, {
      store: fixed,
      migrate: false,
      registry: fixedRegistry,
    });
    const stored = async () => {
      const [r] = await fixed.query<{ n: string }>('SELECT count() AS n FROM events');
      return Number(r?.n);
    };
    await until(async () => (await stored()) === 3, 'the three rows stored');
    expect(delivering.status().deadLetters).toBe(0);
    expect(delivering.status().storeRefused).toBeUndefined();
    expect(await refusedGauge(fixedRegistry)).toEqual({ credentials: 0, permissions: 0, schema: 0 });
    await delivering.close(1000);
  });
});
