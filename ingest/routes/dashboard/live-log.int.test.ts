// The log of a dashboard's live stream while its store is down: the real app over real HTTP, its store the
// real ClickHouse client pointed at a port nothing listens on. The feed reads every interval while someone
// watches, and each failed read wrote the same warning: a store down for an hour with a dashboard open
// wrote 3600 identical lines (once a second at the default interval). The first failure is logged, the
// repeats are held back and counted (their count is in live-log.test.ts, on a clock the test moves).
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPortUrl } from '../../../e2e/env/ports.ts';
import { ClickHouseStore } from '../../../store/index.ts';
import { buildApp } from '../../app.ts';
import { parseConfig } from '../../config.ts';
import { createRepositories } from '../../repositories/index.ts';
import { createDataPathDouble } from '../../testing/datapath-double.ts';
import { testDeps } from '../../testing/deps.ts';

const READS = 6;
const lines: { msg: string; code?: string; level: number }[] = [];
let store: ClickHouseStore;
let app: FastifyInstance;
let url: string;
/** The feed's reads of the store so far, and who waits for the next. */
const reads = { n: 0, waiting: [] as (() => void)[] };

beforeAll(async () => {
  const config = {
    store: { kind: 'clickhouse', url: await closedPortUrl(), database: 'live_log' },
    server: { host: '127.0.0.1' }, // a loopback ingest's dashboard asks for no credential
    dashboard: { liveIntervalMs: 250 },
  };
  store = new ClickHouseStore({ url: config.store.url, database: 'live_log' });
  const real = createRepositories(store, parseConfig(config).store);
  // the real repository, its reads counted
  const recent: typeof real.analytics.recent = (opts) => {
    reads.n++;
    return real.analytics.recent(opts).finally(() => {
      for (const wake of reads.waiting.splice(0)) wake();
    });
  };
  const repositories = { ...real, analytics: { ...real.analytics, recent } };
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  app = await buildApp(await testDeps(createDataPathDouble(), config, { repositories }), {
    logger: { level: 'info', stream },
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await app?.close();
  await store?.close();
});

/** Resolves once the feed has read (and failed) `n` times, its failure handled. */
async function readsDone(n: number): Promise<void> {
  while (reads.n < n) await new Promise<void>((wake) => reads.waiting.push(wake));
  // the failure is handled (and logged) after the read's promise settles
  await new Promise((r) => setImmediate(r));
}

describe('the live stream with its store down', () => {
  it('logs the failed read once, not once per poll', async () => {
    const ac = new AbortController();
    const res = await fetch(`${url}/dashboard/api/live?after=${Date.now()}`, { signal: ac.signal });
    expect(res.status).toBe(200);
    await readsDone(READS);
    ac.abort();
    const failed = lines.filter((l) => l.msg.startsWith('dashboard live feed: read failed'));
    expect(failed).toEqual([
      expect.objectContaining({ msg: 'dashboard live feed: read failed', code: 'OVERLOADED', level: 40 }),
    ]);
  });
});
