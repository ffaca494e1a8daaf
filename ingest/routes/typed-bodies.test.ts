// Bodies with typed fields (an erase request, a consent, a short link) are checked as they were sent.
// Fastify's Ajv coerced them and removed keys a closed object does not list: an erase request's
// misspelt "emial" was dropped and the rest answered 202 (the email stayed), `"email": true` erased the
// hash of "true", and a consent of `true` or `[7]` was recorded as cflags 1 or 7. Through inject() on the
// data path TEST DOUBLE.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../app.ts';
import { newApiKey } from '../auth/api-keys.ts';
import { createDataPathDouble, type DataPathDouble } from '../testing/datapath-double.ts';
import { TEST_OID, testDeps } from '../testing/deps.ts';

let app: FastifyInstance;
let dp: DataPathDouble;
let authorization = '';
beforeAll(async () => {
  const k = await newApiKey(TEST_OID, 'acme');
  authorization = `Bearer ${k.key}`;
  dp = createDataPathDouble();
  app = await buildApp(await testDeps(dp, {}, { keys: [k.entry] }));
});
afterAll(() => app.close());

const UID = '6f1f7a5e-8f0c-4a1d-9a8e-2b1f0c3d4e5f';
const VID = '1d2c3b4a-0000-4000-8000-000000000001';

describe('a typed body is checked as sent: no coercion, no key removed', () => {
  it.each([
    ['/tr/v1/ppi/forget', { uid: UID, emial: 'ada@example.com' }, 'body.emial: unknown key'],
    ['/tr/v1/ppi/forget', { email: true }, 'body.email: must be string'],
    ['/tr/v1/ppi/forget', { email: ['ada@example.com'] }, 'body.email: must be string'],
    ['/tr/v1/ppi/forget', { vid: 5 }, 'body.vid: must be string'],
    ['/tr/v1/ppi/agree', { vid: VID, cflags: true }, 'body.cflags: must be integer'],
    ['/tr/v1/ppi/agree', { vid: VID, cflags: [7] }, 'body.cflags: must be integer'],
    [
      '/tr/v1/rpi/redirect',
      { urlfrom: 12345, urlto: 'https://example.com/' },
      'body.urlfrom: must be string',
    ],
  ])('POST %s %j → 400 naming the field, nothing recorded', async (url, payload, message) => {
    const res = await app.inject({ method: 'POST', url, payload, headers: { authorization } });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ error: 'BAD_REQUEST', message });
    expect(dp.rows.size).toBe(0);
  });

  it('a well-typed erase request and consent are still accepted', async () => {
    const forget = { method: 'POST' as const, url: '/tr/v1/ppi/forget', headers: { authorization } };
    expect(
      (await app.inject({ ...forget, payload: { uid: UID, email: 'ada@example.com' } })).statusCode,
    ).toBe(202);
    const agree = await app.inject({
      method: 'POST',
      url: '/tr/v1/ppi/agree',
      payload: { vid: VID, cflags: '3' },
    });
    expect(agree.statusCode).toBe(200);
    expect(agree.json()).toMatchObject({ vid: VID, cflags: 3 });
  });
});
