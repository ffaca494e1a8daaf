// Every route that answers from a store read, while the store answers but refuses the ingest for its
// configuration: a ClickHouse store given the wrong password (the real client against the ClickHouse HTTP
// test double, which answers AUTHENTICATION_FAILED as a server does), and the embedded engine (real chdb)
// on a database without the tracker's tables. Each answered 503 OVERLOADED "the store is down or busy;
// retry later" with Retry-After, as for a store that is down: a client and a dashboard retried a
// misconfiguration that never heals, and nothing told the operator which. Each now answers 500
// STORE_REFUSED naming the cause (credentials, schema missing), no Retry-After, never the store's address.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ClickHouseHttp, startClickHouseHttp } from '../../e2e/support/clickhouse-http/server.ts';
import { ClickHouseStore, EmbeddedStore, REFUSAL_TEXT, type Store } from '../../store/index.ts';
import { buildApp } from '../app.ts';
import { createApiKeyStore, newApiKey } from '../auth/api-keys.ts';
import { parseConfig } from '../config.ts';
import { createRepositories } from '../repositories/index.ts';
import { createDataPathDouble } from '../testing/datapath-double.ts';
import { TEST_OID, testDeps } from '../testing/deps.ts';

const VID = '0b6b1b6e-0000-4000-8000-0000000000aa';
const dir = mkdtempSync(join(tmpdir(), 'store-refused-'));
let server: ClickHouseHttp;
beforeAll(async () => {
  server = await startClickHouseHttp({ dir, password: 'the-right-one' });
});
afterAll(() => server?.close());

interface Refusing {
  readonly app: FastifyInstance;
  readonly key: string;
  readonly store: Store;
}

async function refusingApp(store: Store, storeConfig: Record<string, unknown>): Promise<Refusing> {
  const config = {
    store: storeConfig,
    apiKeys: { allowPathCredentials: true },
    server: { host: '127.0.0.1' },
  };
  const repositories = createRepositories(store, parseConfig(config).store);
  const k = await newApiKey(TEST_OID, 'acme');
  const apiKeys = createApiKeyStore([k.entry], repositories.apiKeys);
  const app = await buildApp(await testDeps(createDataPathDouble(), config, { repositories, apiKeys }));
  return { app, key: k.key, store };
}

/** Each route as [its name, the request (given the configured API key), what its message names]. */
const ROUTES: [string, (key: string) => InjectOptions, string][] = [
  ['a short link', () => ({ url: '/spring-sale', headers: { host: 'go.example' } }), 'short links'],
  [
    "an org's short links",
    (key) => ({ url: '/tr/v1/rpi/redirects/go.example', headers: { authorization: `Bearer ${key}` } }),
    'short links',
  ],
  [
    'a credentials-in-path account',
    () => ({ url: `/tr/v1/rpi/redirects/${VID}/secret/go.example` }),
    'accounts',
  ],
  ["a visitor's consent", () => ({ url: `/tr/v1/ppi/agree?vid=${VID}` }), 'consent'],
  ['the jurisdictions', () => ({ url: '/tr/v1/ppi/jds' }), 'jurisdictions'],
  ["an erase request's status", () => ({ url: `/tr/v1/ppi/forget/${VID}` }), 'erase request status'],
  [
    "the dashboard's overview",
    () => ({ url: '/dashboard/api/overview?range=24h', headers: { host: '127.0.0.1' } }),
    'dashboard data',
  ],
  [
    "the dashboard's events",
    () => ({ url: '/dashboard/api/events', headers: { host: '127.0.0.1' } }),
    'dashboard data',
  ],
];

async function expectRefused(app: FastifyInstance, req: InjectOptions, what: string, why: string) {
  const res = await app.inject(req);
  expect(res.statusCode).toBe(500);
  expect(res.headers['retry-after']).toBeUndefined();
  expect(res.headers.location).toBeUndefined();
  expect(res.json()).toEqual({ error: 'STORE_REFUSED', message: `${what} could not be read: ${why}` });
  expect(res.body).not.toContain(String(server.port));
}

describe('a ClickHouse store refusing the password: 500 STORE_REFUSED naming the credentials', () => {
  let refusing: Refusing;
  beforeAll(async () => {
    const store = new ClickHouseStore({ url: server.url, database: 'tracker', password: 'rotated' });
    refusing = await refusingApp(store, { kind: 'clickhouse', url: server.url });
  });
  afterAll(async () => {
    await refusing?.app.close();
    await refusing?.store.close();
  });

  it.each(ROUTES)('%s', async (_name, req, what) => {
    await expectRefused(refusing.app, req(refusing.key), what, REFUSAL_TEXT.credentials);
  });

  // A 401 told a client holding a valid key that its key is wrong, and was cached for a minute.
  it('an API key kept in the api_keys table: not a 401', async () => {
    const stored = await newApiKey(TEST_OID, 'acme');
    const req = {
      url: '/tr/v1/rpi/redirects/go.example',
      headers: { authorization: `Bearer ${stored.key}` },
    };
    await expectRefused(refusing.app, req, 'API keys', REFUSAL_TEXT.credentials);
    await expectRefused(refusing.app, req, 'API keys', REFUSAL_TEXT.credentials);
  });
});

describe('the embedded engine on a database without the tables: 500 STORE_REFUSED naming the schema', () => {
  let refusing: Refusing;
  beforeAll(async () => {
    const store = await EmbeddedStore.open({ path: dir, database: 'never_migrated' });
    refusing = await refusingApp(store, { kind: 'embedded', database: 'never_migrated' });
  });
  afterAll(async () => {
    await refusing?.app.close();
    await refusing?.store.close();
  });

  it.each(ROUTES)('%s', async (_name, req, what) => {
    await expectRefused(refusing.app, req(refusing.key), what, REFUSAL_TEXT.schema);
  });
});
