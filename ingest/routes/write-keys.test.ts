// Server events (/str) and payments (/ltv) took writes from anyone: a stranger could add payments to the
// lifetime values or events to an org. `apiKeys.requiredFor` puts each behind an API key, and what a keyed
// request writes belongs to the key's org. Through inject() on the data path TEST DOUBLE, which keeps the
// rows each table was given.
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../app.ts';
import { newApiKey } from '../auth/api-keys.ts';
import type { KeyEntry } from '../repositories/index.ts';
import { createDataPathDouble, type DataPathDouble } from '../testing/datapath-double.ts';
import { TEST_OID, testDeps } from '../testing/deps.ts';

const OTHER_OID = '7e57a11e-0000-4000-8000-00000000000f';
const UID = '6f1f7a5e-8f0c-4a1d-9a8e-2b1f0c3d4e5f';
const ORID = '0b0b0b0b-0000-4000-8000-000000000001';

let key = '';
let entry: KeyEntry;
let app: FastifyInstance | undefined;
let dp: DataPathDouble;
beforeAll(async () => {
  ({ key, entry } = await newApiKey(TEST_OID, 'acme'));
});
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function start(config: Record<string, unknown>): Promise<FastifyInstance> {
  dp = createDataPathDouble();
  app = await buildApp(await testDeps(dp, config, { keys: [entry] }));
  return app;
}

const requiring = (requiredFor: string[], perMinute = 100) => ({
  apiKeys: { requiredFor },
  rateLimits: { authFailuresPerMinute: perMinute },
});
const event = { ename: 'signup', uid: UID, oid: OTHER_OID, org: 'someone-else' };
const payment = { uid: UID, orid: ORID, amt: 99.99, currency: 'USD', oid: OTHER_OID, org: 'someone-else' };
const post = (a: FastifyInstance, url: string, payload: object, authorization?: string) =>
  a.inject({ method: 'POST', url, payload, headers: authorization ? { authorization } : {} });

describe('apiKeys.requiredFor', () => {
  it('is empty by default: /str and /ltv take writes without a key, as before', async () => {
    const a = await start({});
    expect((await post(a, '/tr/v1/str/', event)).statusCode).toBe(200);
    expect((await post(a, '/tr/v1/ltv/', payment)).statusCode).toBe(200);
    expect(dp.rows.get('events')?.[0]).toMatchObject({ oid: OTHER_OID });
  });

  // Open, the routes ignored a key sent anyway: a wrong one was answered 200, and a right one wrote under
  // whatever oid the body named, not the key's org. A Bearer header is a caller that meant to authenticate.
  it.each([
    ['/tr/v1/str/', event],
    ['/tr/v1/ltv/', payment],
  ])('open, %s refuses a wrong Bearer key and writes nothing', async (url, body) => {
    const a = await start({});
    for (const auth of ['Bearer abc.def', `Bearer ${key}x`, 'Bearer ']) {
      const res = await post(a, url, body, auth);
      expect(res.statusCode, auth).toBe(401);
      expect(res.json()).toMatchObject({ error: 'UNAUTHORIZED' });
    }
    expect(dp.rows.size).toBe(0);
  });

  it("open, a server event and a payment sent with a key are bound to the key's org", async () => {
    const a = await start({});
    expect((await post(a, '/tr/v1/str/', event, `Bearer ${key}`)).statusCode).toBe(200);
    expect((await post(a, '/tr/v1/ltv/', payment, `Bearer ${key}`)).statusCode).toBe(200);
    expect(dp.rows.get('events')?.[0]).toMatchObject({ oid: TEST_OID, org: 'acme' });
    expect(dp.rows.get('payments')?.[0]).toMatchObject({ oid: TEST_OID, org: 'acme' });
  });

  it('open, another scheme is no key: the write is taken as sent', async () => {
    const a = await start({});
    expect((await post(a, '/tr/v1/str/', event, 'Basic dTpw')).statusCode).toBe(200);
    expect(dp.rows.get('events')?.[0]).toMatchObject({ oid: OTHER_OID });
  });

  it.each([
    ['/tr/v1/str/', event],
    ['/tr/v1/ltv/', payment],
  ])('%s refuses a request without a key or with a wrong one, and writes nothing', async (url, body) => {
    const a = await start(requiring(['str', 'ltv']));
    for (const auth of [undefined, 'Bearer abc.def', `Bearer ${key}x`, 'Basic dTpw']) {
      const res = await post(a, url, body, auth);
      expect(res.statusCode, String(auth)).toBe(401);
      expect(res.json()).toMatchObject({ error: 'UNAUTHORIZED' });
    }
    // the GET form of /str too, which carries its event in the path
    expect((await a.inject({ url: '/tr/v1/str/ename/signup' })).statusCode).toBe(401);
    expect(dp.rows.size).toBe(0);
  });

  it("binds a keyed server event to the key's org, whatever oid and org it names", async () => {
    const a = await start(requiring(['str']));
    const res = await post(a, '/tr/v1/str/', event, `Bearer ${key}`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ eid: expect.any(String) });
    expect(dp.rows.get('events')?.[0]).toMatchObject({ oid: TEST_OID, org: 'acme', ename: 'signup' });
  });

  it("binds every line of a keyed payment batch to the key's org", async () => {
    const a = await start(requiring(['ltv']));
    const batch = { oid: OTHER_OID, payments: [payment, { ...payment, orid: UID, oid: OTHER_OID }] };
    const res = await post(a, '/tr/v1/ltv/', batch, `Bearer ${key}`);
    expect(res.statusCode).toBe(200);
    const payments = dp.rows.get('payments') ?? [];
    expect(payments).toHaveLength(2);
    for (const p of payments) expect(p).toMatchObject({ oid: TEST_OID, org: 'acme' });
    for (const l of dp.rows.get('ltv') ?? []) expect(l).toMatchObject({ oid: TEST_OID, org: 'acme' });
  });

  it('keys only the routes it lists: client events stay open', async () => {
    const a = await start(requiring(['ltv']));
    expect((await post(a, '/tr/v1/str/', event)).statusCode).toBe(200);
    expect((await post(a, '/tr/v1/tr/', { ename: 'page_view' })).statusCode).toBe(200);
    expect((await post(a, '/tr/v1/ltv/', payment)).statusCode).toBe(401);
  });

  it('bounds wrong keys per client like the other credentials: 429 with Retry-After', async () => {
    const a = await start(requiring(['str', 'ltv'], 2));
    expect((await post(a, '/tr/v1/str/', event, 'Bearer guess.1')).statusCode).toBe(401);
    expect((await post(a, '/tr/v1/ltv/', payment, 'Bearer guess.2')).statusCode).toBe(401);
    const res = await post(a, '/tr/v1/str/', event, `Bearer ${key}`);
    expect(res.statusCode).toBe(429);
    expect(res.headers['retry-after']).toBeDefined();
  });

  it('refuses a route name it does not know, naming the key', async () => {
    await expect(start(requiring(['tr']))).rejects.toThrow(/apiKeys\.requiredFor/);
  });
});
