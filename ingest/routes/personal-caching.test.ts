// Answers about one visitor name no cache lifetime of their own, so a CDN that caches what names none
// (CloudFront's default TTL is a day) kept them: a visitor's vid and erase token (Set-Cookie) handed to
// the next visitor of the same URL, a consent read answered with the consent of before a withdrawal. Each
// is now `Cache-Control: no-store`.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../app.ts';
import { createDataPathDouble } from '../testing/datapath-double.ts';
import { testDeps } from '../testing/deps.ts';

let app: FastifyInstance;
beforeAll(async () => {
  app = await buildApp(await testDeps(createDataPathDouble()));
});
afterAll(() => app.close());

const CONSENT = { cookie: 'CookieConsent=3' };
const VID = '1d2c3b4a-0000-4000-8000-000000000001';

describe('answers about one visitor are not cached', () => {
  it.each([
    ['a tracking GET that sets the visitor cookies', '/tr/v1/tr/ename/page_view'],
    ['a tracked redirect that sets them', '/tr/v1/xrdr/?url=https://example.com/'],
  ])('%s', async (_name, url) => {
    const res = await app.inject({ method: 'GET', url, headers: CONSENT });
    expect(res.headers['set-cookie']).toBeDefined();
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('a tracking GET that expires the cookies of a withdrawn consent', async () => {
    const res = await app.inject({
      method: 'GET',
      url: '/tr/v1/tr/ename/page_view',
      headers: { cookie: `CookieConsent=0; vid=${VID}` },
    });
    expect(String(res.headers['set-cookie'])).toContain('Max-Age=0');
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('the consent read', async () => {
    const agreed = await app.inject({
      method: 'POST',
      url: '/tr/v1/ppi/agree',
      payload: { vid: VID, cflags: 3 },
    });
    expect(agreed.statusCode).toBe(200);
    const res = await app.inject({ method: 'GET', url: `/tr/v1/ppi/agree?vid=${VID}` });
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
  });
});
