// Creating a short link: its host must be one the ingest answers short links on, or the link would be
// stored and never resolve. Through inject() on the data path TEST DOUBLE.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../app.ts';
import { newApiKey } from '../../auth/api-keys.ts';
import { createDataPathDouble, type DataPathDouble } from '../../testing/datapath-double.ts';
import { TEST_OID, testDeps } from '../../testing/deps.ts';

let app: FastifyInstance;
let dp: DataPathDouble;
let authorization = '';
beforeAll(async () => {
  const k = await newApiKey(TEST_OID, 'acme');
  authorization = `Bearer ${k.key}`;
  dp = createDataPathDouble();
  // testDeps configures go.example as the short-link host
  app = await buildApp(await testDeps(dp, {}, { keys: [k.entry] }));
});
afterAll(() => app.close());

const create = (urlfrom: string) =>
  app.inject({
    method: 'POST',
    url: '/tr/v1/rpi/redirect',
    headers: { authorization },
    payload: { urlfrom, urlto: 'https://example.com/landing' },
  });

describe('POST /tr/v1/rpi/redirect', () => {
  it('creates a link on a short-link host, in any case', async () => {
    expect((await create('GO.example/spring')).statusCode).toBe(201);
    expect(dp.table('redirects').map((r) => r.urlfrom)).toEqual(['go.example/spring']);
  });

  it('refuses a host the ingest does not answer short links on, naming the setting', async () => {
    const res = await create('elsewhere.example/spring');
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({
      error: 'BAD_REQUEST',
      message: expect.stringMatching(/elsewhere\.example .*domains\.shortLinkHosts; configured: go\.example/),
    });
    expect(dp.table('redirects')).toHaveLength(1);
  });

  // With a key, a malformed body is a 400 with a reason, never a crash.
  it.each([{}, { urlto: 'https://example.com/' }, { urlfrom: 'go.example/x', urlto: 'ftp://x' }])(
    'refuses %j with 400',
    async (payload) => {
      const res = await app.inject({
        method: 'POST',
        url: '/tr/v1/rpi/redirect',
        headers: { authorization },
        payload,
      });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ error: 'BAD_REQUEST' });
    },
  );
  it('names the missing key and the rule', async () => {
    const payload = { urlto: 'https://example.com/' };
    const res = await app.inject({
      method: 'POST',
      url: '/tr/v1/rpi/redirect',
      headers: { authorization },
      payload,
    });
    expect(res.json()).toEqual({ error: 'BAD_REQUEST', message: 'body.urlfrom: is required' });
  });
  // The route's own refusals named the key bare (`urlto must be …`, `urlfrom is not a host/path`) where
  // its schema's name it as `body.urlto: …`: each now says where in the request the value was.
  it.each([
    ['go.example/a\nb', 'https://example.com/', 'body.urlfrom: contains control characters'],
    ['https://[bad/x', 'https://example.com/', 'body.urlfrom: is not a host/path'],
    ['go.example', 'https://example.com/', 'body.urlfrom: needs a path of at least one character'],
    [
      'elsewhere.example/x',
      'https://example.com/',
      'body.urlfrom: host elsewhere.example is not a short-link host (domains.shortLinkHosts; configured: go.example)',
    ],
    [
      'go.example/x',
      'https://example.com/a\tb',
      'body.urlto: must be an absolute http(s) URL without control characters',
    ],
    [
      'go.example/x',
      'https://go.example/y',
      'body.urlto: may not point at a short-link host (redirect loop)',
    ],
  ])('urlfrom %j, urlto %j → 400 %s', async (urlfrom, urlto, message) => {
    const res = await app.inject({
      method: 'POST',
      url: '/tr/v1/rpi/redirect',
      headers: { authorization },
      payload: { urlfrom, urlto },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ error: 'BAD_REQUEST', message });
  });
  // The refusal named the schema's regular expression: `body.urlto: must match pattern "^https?://"`.
  it('names a target that is not an http(s) URL in words, not by its pattern', async () => {
    const payload = { urlfrom: 'go.example/x', urlto: 'ftp://shop.example/sale' };
    const res = await app.inject({
      method: 'POST',
      url: '/tr/v1/rpi/redirect',
      headers: { authorization },
      payload,
    });
    expect(res.json()).toEqual({
      error: 'BAD_REQUEST',
      message: 'body.urlto: must be an absolute http(s) URL',
    });
  });
});
