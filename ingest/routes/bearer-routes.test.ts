// Every route that takes an API key reads `Authorization: Bearer` the same way. There were two readers:
// the short-link API refused keys shorter than 8 characters, and an erase request with a Bearer header
// but no usable key fell back to the visitor token in silence. Through inject() on the data path TEST
// DOUBLE; what the key may do is the functional tests' business.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../app.ts';
import { newApiKey } from '../auth/api-keys.ts';
import { createDataPathDouble } from '../testing/datapath-double.ts';
import { TEST_OID, testDeps } from '../testing/deps.ts';

let app: FastifyInstance;
let key = '';
beforeAll(async () => {
  const k = await newApiKey(TEST_OID, 'acme');
  key = k.key;
  // every case here fails from one address: the allowance of failures is auth-failures.test.ts's business
  const config = { rateLimits: { authFailuresPerMinute: 0 }, apiKeys: { requiredFor: ['str', 'ltv'] } };
  app = await buildApp(await testDeps(createDataPathDouble(), config, { keys: [k.entry] }));
});
afterAll(() => app.close());

const VID = '5d7c0a4e-1111-4aaa-8bbb-00000000000b';
const routes = {
  'the short-link admin API': (authorization: string) =>
    app.inject({ url: '/tr/v1/rpi/redirects/go.example', headers: { authorization } }),
  'a server event (apiKeys.requiredFor)': (authorization: string) =>
    app.inject({ method: 'POST', url: '/tr/v1/str/', payload: { ename: 'e' }, headers: { authorization } }),
  'a payment (apiKeys.requiredFor)': (authorization: string) =>
    app.inject({ method: 'POST', url: '/tr/v1/ltv/', payload: { amt: 1 }, headers: { authorization } }),
  'an erase request': (authorization: string) =>
    app.inject({
      method: 'POST',
      url: '/tr/v1/ppi/forget',
      payload: { vid: VID },
      headers: { authorization },
    }),
};
const each = Object.entries(routes);

describe('Authorization: Bearer on every route that takes an API key', () => {
  it.each(each)('%s accepts the scheme in any case and extra spaces', async (_route, send) => {
    for (const header of [`Bearer ${key}`, `bearer ${key}`, `BEARER   ${key}`, `Bearer\t${key}`]) {
      expect((await send(header)).statusCode, header).toBeLessThan(300);
    }
  });

  it.each(each)('%s refuses a Bearer header without a usable key with 401', async (_route, send) => {
    for (const header of ['Bearer', 'Bearer    ', `Bearer ${key} ${key}`, `Bearer ${'k'.repeat(513)}`]) {
      const res = await send(header);
      expect(res.statusCode, header).toBe(401);
      expect(res.json()).toMatchObject({ error: 'UNAUTHORIZED' });
    }
  });

  it.each(each)('%s refuses a wrong key with 401', async (_route, send) => {
    expect((await send('Bearer abc.def')).statusCode).toBe(401);
  });

  it('an erase request with a Bearer header but no usable key is refused, not erased as the visitor', async () => {
    // a page view with analytics consent issues the vid and its visitor token (the vtok cookie)
    const view = await app.inject({
      url: '/tr/v1/tr/ename/page_view',
      headers: { cookie: 'CookieConsent=3' },
    });
    const cookies = Object.fromEntries(view.cookies.map((c) => [c.name, c.value]));
    const erase = (headers: Record<string, string>) =>
      app.inject({
        method: 'POST',
        url: '/tr/v1/ppi/forget',
        payload: { vid: cookies.vid },
        headers: { cookie: `vid=${cookies.vid}; vtok=${cookies.vtok}`, ...headers },
      });
    expect((await erase({ authorization: 'Bearer ' })).statusCode).toBe(401);
    expect((await erase({})).statusCode).toBe(202);
  });
});
