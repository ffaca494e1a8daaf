// The dashboard's live stream while its store goes away and comes back: a ClickHouse store (the real
// client against the ClickHouse HTTP test double over chdb, stopped and started again on its port) behind
// the real app over real HTTP, read by a plain SSE reader and by the page in headless Chromium. The stream
// said nothing when the store could not be read: the page kept showing "live" and just stopped updating.
// It now sends `event: unavailable` with the `{error, message}` a request would have got, then
// `event: available` and the events again once the store answers; the page shows both.
import { mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../../e2e/browser/chromium.ts';
import { type ClickHouseHttp, startClickHouseHttp } from '../../../e2e/support/clickhouse-http/server.ts';
import { ClickHouseStore } from '../../../store/index.ts';
import { buildApp } from '../../app.ts';
import { parseConfig } from '../../config.ts';
import { createDataPath } from '../../datapath/datapath.ts';
import { testEvent } from '../../datapath/testing/rows.ts';
import { createRepositories } from '../../repositories/index.ts';
import { createDataPathDouble } from '../../testing/datapath-double.ts';
import { testDeps } from '../../testing/deps.ts';

const chdbDir = mkdtempSync(join(tmpdir(), 'live-unavailable-'));
const DB = 'live_unavailable';
const DOWN = {
  error: 'OVERLOADED',
  message: 'dashboard data could not be read: the store is down or busy; retry later',
};
let server: ClickHouseHttp;
let store: ClickHouseStore;
let app: FastifyInstance;
let url: string;
let browser: Browser | undefined;

beforeAll(async () => {
  server = await startClickHouseHttp({ dir: chdbDir });
  const admin = new ClickHouseStore({ url: server.url, database: 'default' });
  await admin.command(`CREATE DATABASE IF NOT EXISTS ${DB}`);
  await admin.close();
  const config = {
    store: { kind: 'clickhouse', url: server.url, database: DB },
    spool: { dir: mkdtempSync(join(tmpdir(), 'spool-')) },
    server: { host: '127.0.0.1' }, // a loopback ingest's dashboard asks for no credential
    dashboard: { liveIntervalMs: 250 },
  };
  const migrating = await createDataPath(parseConfig(config), {
    store: new ClickHouseStore({ url: server.url, database: DB }),
    migrate: true,
  });
  await migrating.close(1000);
  store = new ClickHouseStore({ url: server.url, database: DB });
  const repositories = createRepositories(store, parseConfig(config).store);
  app = await buildApp(await testDeps(createDataPathDouble(), config, { repositories }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await browser?.close();
  await app?.close();
  await store?.close();
  await server?.close();
});

/** Stops the store's server, runs `whileDown`, starts it again on the same port. */
async function outage(whileDown: () => Promise<void>): Promise<void> {
  await server.close();
  try {
    await whileDown();
  } finally {
    server = await startClickHouseHttp({ dir: chdbDir, port: server.port });
  }
}

/** Reads the stream until `seen` holds in what it received; what it received. */
async function readUntil(reader: ReadableStreamDefaultReader<Uint8Array>, text: { s: string }, seen: RegExp) {
  while (!seen.test(text.s)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`the stream ended before ${seen}: ${text.s}`);
    text.s += Buffer.from(value).toString('utf8');
  }
}

const storeEvent = (i: number, ename: string) =>
  store.insert('events', [testEvent(i, { ename })], { dedupToken: `live-${i}` });

describe('the live stream while the store is unavailable', () => {
  it('says unavailable once with the message, then available, then events again', async () => {
    const ac = new AbortController();
    const res = await fetch(`${url}/dashboard/api/live?after=${Date.now()}`, { signal: ac.signal });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const text = { s: '' };
    await readUntil(reader, text, /retry: \d+/);
    await outage(() => readUntil(reader, text, /event: unavailable\ndata: .*\n\n/));
    const [, said] = /event: unavailable\ndata: (.*)\n\n/.exec(text.s) ?? [];
    expect(JSON.parse(said ?? '')).toEqual(DOWN);
    await readUntil(reader, text, /event: available\n/);
    // told once per outage, however many polls failed during it
    expect(text.s.match(/event: unavailable/g)).toHaveLength(1);
    await storeEvent(1, 'after_the_outage');
    await readUntil(reader, text, /event: events\ndata: .*after_the_outage/);
    ac.abort();
  });

  it('the page shows the store unavailable, with the message, then live again', async () => {
    browser = await launchChromium();
    const page = await browser.newPage();
    await page.goto(`${url}/dashboard`);
    const status = page.locator('#status');
    await status.getByText('live', { exact: true }).waitFor();
    await outage(async () => {
      await status.getByText(`store unavailable (OVERLOADED: ${DOWN.message})`).waitFor();
      expect(await status.getAttribute('class')).toBe('status down');
    });
    await status.getByText('live', { exact: true }).waitFor();
    await page.close();
  });
});
