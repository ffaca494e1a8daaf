// A browser on another origin must get through the CORS preflight with every header the ingest reads: its
// site key (X-Site-Key) was missing from the allowed headers, so a page sending its key was blocked by
// the browser before the request left. And a refused request's Retry-After must be readable by the
// page's script, or the client cannot back off as asked. Real HTTP, real data path, chdb.
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Live, startLive } from '../testing/live.ts';

const SHOP = 'https://shop.example';
const SITE = '0a000000-0000-4000-8000-0000000000c3';

let live: Live;
beforeAll(async () => {
  live = await startLive({
    cors: { origins: [SHOP] },
    sites: { keys: [{ key: 'shop_public_key', oid: SITE, org: 'shop', origins: [SHOP] }] },
    rateLimits: { burst: 1000, perIpPerDay: 4 },
  });
});
afterAll(() => live.close());

/** What a browser sends before a cross-origin request with non-safelisted headers. */
const preflight = (requestHeaders: string) =>
  fetch(`${live.url}/tr/v1/tr/`, {
    method: 'OPTIONS',
    headers: {
      origin: SHOP,
      'access-control-request-method': 'POST',
      'access-control-request-headers': requestHeaders,
    },
  });

/** The headers the preflight allows, lower-cased, as a browser compares them. */
const allowed = (res: Response) =>
  (res.headers.get('access-control-allow-headers') ?? '').split(',').map((h) => h.trim().toLowerCase());

describe('CORS preflight from another origin', () => {
  it.each([
    ['its site key', 'x-site-key'],
    ['a JSON content type', 'content-type'],
    ['a gzip-compressed body', 'content-encoding'],
    ['an API key', 'authorization'],
    ['the Go tracker clients’ User header', 'user'],
  ])('allows %s (%s)', async (_what, header) => {
    const res = await preflight(header);
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(SHOP);
    expect(allowed(res)).toContain(header);
  });

  it('allows everything the browser asks for at once for a keyed, compressed JSON post', async () => {
    const asked = ['content-type', 'content-encoding', 'x-site-key'];
    const res = await preflight(asked.join(', '));
    expect(allowed(res)).toEqual(expect.arrayContaining(asked));
  });

  it('allows no header the ingest does not read', async () => {
    expect(allowed(await preflight('x-custom-header'))).not.toContain('x-custom-header');
  });

  it('stores the keyed, compressed post that follows under the site’s org, and exposes Retry-After', async () => {
    const res = await fetch(`${live.url}/tr/v1/tr/`, {
      method: 'POST',
      headers: {
        origin: SHOP,
        'content-type': 'application/json',
        'content-encoding': 'gzip',
        'x-site-key': 'shop_public_key',
      },
      body: gzipSync(JSON.stringify({ ename: 'cors_keyed' })),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(SHOP);
    expect(res.headers.get('access-control-expose-headers')).toMatch(/retry-after/i);
    const rows = () =>
      live.rows<{ oid: string }>("SELECT toString(oid) AS oid FROM events WHERE ename = 'cors_keyed'");
    await expect.poll(async () => (await rows()).map((r) => r.oid), { timeout: 10_000 }).toEqual([SITE]);
  });

  it('lets the page read Retry-After on a refusal', async () => {
    const send = () => fetch(`${live.url}/tr/v1/str/`, { headers: { origin: SHOP } });
    // the daily limit is 4 per IP: one of the next five requests is refused
    let res = await send();
    for (let i = 0; i < 5 && res.status !== 429; i++) res = await send();
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).not.toBeNull();
    expect(res.headers.get('access-control-expose-headers')).toMatch(/retry-after/i);
  });
});
