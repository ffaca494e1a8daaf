// Every route that answers from a store read, while the store cannot be reached: a ClickHouse store whose
// address is a closed port (a real client, a real connection refused), and the embedded engine closed. Each answered a generic 500
// INTERNAL (or, for an API key kept in the api_keys table, a 401 cached for a minute), which a person, a
// dashboard or a retrying client cannot tell from a bug or a wrong key: each now answers 503 OVERLOADED
// with Retry-After, the message naming what could not be read and never the store's address.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPortUrl } from '../../e2e/env/ports.ts';
import { ClickHouseStore, EmbeddedStore } from '../../store/index.ts';
import { buildApp } from '../app.ts';
import { createApiKeyStore, newApiKey } from '../auth/api-keys.ts';
import { parseConfig } from '../config.ts';
import { createRepositories } from '../repositories/index.ts';
import { createDataPathDouble } from '../testing/datapath-double.ts';
import { TEST_OID, testDeps } from '../testing/deps.ts';

const VID = '0b6b1b6e-0000-4000-8000-0000000000aa';
let app: FastifyInstance;
let down: string;
let configKey: string;
const dataPath = createDataPathDouble();

beforeAll(async () => {
  down = await closedPortUrl();
  const config = {
    store: { kind: 'clickhouse', url: down },
    apiKeys: { allowPathCredentials: true },
    server: { host: '127.0.0.1' }, // a loopback ingest's dashboard asks for no credential
  };
  const store = new ClickHouseStore({ url: down, database: 'tracker' });
  const repositories = createRepositories(store, parseConfig(config).store);
  const k = await newApiKey(TEST_OID, 'acme');
  configKey = k.key;
  const apiKeys = createApiKeyStore([k.entry], repositories.apiKeys);
  app = await buildApp(await testDeps(dataPath, config, { repositories, apiKeys }));
});
afterAll(() => app?.close());

async function expectUnavailable(req: InjectOptions, what: string): Promise<void> {
  const res = await app.inject(req);
  expect(res.statusCode).toBe(503);
  expect(res.headers['retry-after']).toMatch(/^[1-9]\d*$/);
  expect(res.headers.location).toBeUndefined();
  expect(res.json()).toEqual({
    error: 'OVERLOADED',
    message: `${what} could not be read: the store is down or busy; retry later`,
  });
  expect(res.body).not.toContain(down.replace('http://', ''));
}

const bearer = () => ({ authorization: `Bearer ${configKey}` });

describe('reads while the store cannot be reached answer 503 OVERLOADED with Retry-After', () => {
  // A 404 would tell a browser (and a link checker) that the link does not exist; a redirect anywhere
  // else would send the visitor to the wrong place.
  it('a short link on a short-link host: neither a redirect nor a 404', async () => {
    await expectUnavailable({ url: '/spring-sale', headers: { host: 'go.example' } }, 'short links');
    expect(dataPath.table('events')).toEqual([]);
  });

  it("listing an org's short links", async () => {
    await expectUnavailable({ url: '/tr/v1/rpi/redirects/go.example', headers: bearer() }, 'short links');
  });

  it('creating a short link (its owner is read first) stores nothing', async () => {
    const payload = { urlfrom: 'go.example/new', urlto: 'https://shop.example/' };
    await expectUnavailable(
      { method: 'POST', url: '/tr/v1/rpi/redirect', headers: bearer(), payload },
      'short links',
    );
    expect(dataPath.table('redirects')).toEqual([]);
  });

  it('deleting a short link (its owner is read first) stores nothing', async () => {
    await expectUnavailable(
      { method: 'DELETE', url: '/tr/v1/rpi/redirects/go.example/old', headers: bearer() },
      'short links',
    );
    expect(dataPath.table('redirects')).toEqual([]);
  });

  it('an account of the credentials-in-path form', async () => {
    await expectUnavailable({ url: `/tr/v1/rpi/redirects/${VID}/secret/go.example` }, 'accounts');
  });

  // A 401 (cached for a minute) told a client holding a valid key from the api_keys table to stop trying.
  it('an API key kept in the api_keys table: not a 401, and not remembered as refused', async () => {
    const stored = await newApiKey(TEST_OID, 'acme');
    const req = {
      url: '/tr/v1/rpi/redirects/go.example',
      headers: { authorization: `Bearer ${stored.key}` },
    };
    await expectUnavailable(req, 'API keys');
    await expectUnavailable(req, 'API keys');
  });

  it("a visitor's consent", async () => {
    await expectUnavailable({ url: `/tr/v1/ppi/agree?vid=${VID}` }, 'consent');
  });

  it('the jurisdictions', async () => {
    await expectUnavailable({ url: '/tr/v1/ppi/jds' }, 'jurisdictions');
  });

  // The dashboard shows the message ("could not load (503: …)") where it showed "500: internal error".
  it("the dashboard's overview and events", async () => {
    const headers = { host: '127.0.0.1' };
    await expectUnavailable({ url: '/dashboard/api/overview?range=24h', headers }, 'dashboard data');
    await expectUnavailable({ url: '/dashboard/api/events', headers }, 'dashboard data');
  });
});

// A store that is down refuses no event by itself: the spool keeps them until it is back. What a keyed write
// route reads first, the key when it is kept in the api_keys table, is the exception.
describe('writes while the store cannot be reached', () => {
  let keyed: FastifyInstance;
  const spool = createDataPathDouble();
  beforeAll(async () => {
    const config = { store: { kind: 'clickhouse', url: down }, apiKeys: { requiredFor: ['str'] } };
    const store = new ClickHouseStore({ url: down, database: 'tracker' });
    const repositories = createRepositories(store, parseConfig(config).store);
    const apiKeys = createApiKeyStore([], repositories.apiKeys);
    keyed = await buildApp(await testDeps(spool, config, { repositories, apiKeys }));
  });
  afterAll(() => keyed?.close());

  it('a client event is acknowledged into the spool', async () => {
    const payload = { ename: 'page_view', vid: VID, url: 'https://shop.example/' };
    const res = await keyed.inject({ method: 'POST', url: '/tr/v1/tr/', payload });
    expect(res.statusCode).toBeLessThan(300);
    expect(spool.table('events')).toHaveLength(1);
  });

  it('a server event whose key is kept in the api_keys table: 503, not a 401, nothing written', async () => {
    const stored = await newApiKey(TEST_OID, 'acme');
    const res = await keyed.inject({
      method: 'POST',
      url: '/tr/v1/str/',
      headers: { authorization: `Bearer ${stored.key}` },
      payload: { ename: 'signup', vid: VID },
    });
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toMatch(/^[1-9]\d*$/);
    expect(res.json()).toEqual({
      error: 'OVERLOADED',
      message: 'API keys could not be read: the store is down or busy; retry later',
    });
    expect(spool.table('events')).toHaveLength(1);
  });
});

describe('reads while the embedded engine is closed answer 503 OVERLOADED with Retry-After', () => {
  let embedded: FastifyInstance;
  beforeAll(async () => {
    const engine = await EmbeddedStore.open({
      path: mkdtempSync(join(tmpdir(), 'reads-closed-')),
      database: 'x',
    });
    await engine.close();
    const config = { server: { host: '127.0.0.1' } };
    const repositories = createRepositories(engine, parseConfig(config).store);
    embedded = await buildApp(await testDeps(createDataPathDouble(), config, { repositories }));
  });
  afterAll(() => embedded?.close());

  it('a short link and the dashboard', async () => {
    for (const [req, what] of [
      [{ url: '/spring-sale', headers: { host: 'go.example' } }, 'short links'],
      [{ url: '/dashboard/api/events', headers: { host: '127.0.0.1' } }, 'dashboard data'],
    ] satisfies [InjectOptions, string][]) {
      const res = await embedded.inject(req);
      expect(res.statusCode).toBe(503);
      expect(res.headers['retry-after']).toMatch(/^[1-9]\d*$/);
      expect(res.json()).toEqual({
        error: 'OVERLOADED',
        message: `${what} could not be read: the store is down or busy; retry later`,
      });
    }
  });
});
