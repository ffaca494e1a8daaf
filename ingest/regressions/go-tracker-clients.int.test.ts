// Clients of the Go tracker exist in the field; what they send must keep working: the paths without a
// trailing slash, a PUT of path pairs with no body, bodies with no or a form Content-Type, gzip/deflate
// bodies, the GeoIP answer's field names, and a CORS preflight with the default configuration.
// Real HTTP, real data path, chdb, the GeoIP BIN fixture.
import { deflateSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTestBin } from '../../e2e/support/ip2location-bin/fixture.ts';
import { type Live, startLive } from '../testing/live.ts';

let live: Live;
beforeAll(async () => {
  live = await startLive({
    geoip: { file: writeTestBin() },
    domains: { redirectAllowList: ['example.com'] },
  });
});
afterAll(() => live.close());

const request = (
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string | Buffer,
) =>
  // a Buffer body: fetch adds no Content-Type of its own (a string body would get text/plain)
  fetch(live.url + path, {
    method,
    headers,
    redirect: 'manual',
    ...(body === undefined ? {} : { body: typeof body === 'string' ? Buffer.from(body) : body }),
  });
const stored = (ename: string) => async () =>
  Number(
    (
      await live.rows<{ n: string }>('SELECT count() AS n FROM events WHERE ename = {e:String}', { e: ename })
    )[0]?.n,
  );
const POLL = { timeout: 10_000 };

describe('the Go tracker’s clients keep working', () => {
  it.each([
    ['GET', '/tr/v1/tr?ename=noslash_tr', 200],
    ['GET', '/tr/v1/img?ename=noslash_img', 200],
    ['GET', '/tr/v1/str?ename=noslash_str', 200],
    ['GET', '/tr/v1/rdr?url=https://example.com/a&ename=noslash_rdr', 302],
    ['GET', '/tr/v1/xrdr?url=https://example.com/a&ename=noslash_xrdr', 302],
  ])('%s %s without the trailing slash answers %i and stores the event', async (method, path, status) => {
    expect((await request(method, path)).status).toBe(status);
    const ename = new URL(`http://x${path}`).searchParams.get('ename') ?? '';
    await expect.poll(stored(ename), POLL).toBe(1);
  });

  it('a PUT of path pairs with no body stores the event', async () => {
    expect((await request('PUT', '/tr/v1/tr/ename/put_pairs/etyp/legacy')).status).toBe(200);
    await expect.poll(stored('put_pairs'), POLL).toBe(1);
  });

  it.each([
    ['no Content-Type', {}, '{"ename":"no_type"}', 'no_type'],
    [
      'a form Content-Type with a JSON body',
      { 'content-type': 'application/x-www-form-urlencoded' },
      '{"ename":"form_json"}',
      'form_json',
    ],
    [
      'a form body',
      { 'content-type': 'application/x-www-form-urlencoded' },
      'ename=form_fields&plan=pro',
      'form_fields',
    ],
    [
      'text/plain JSON (the browser client)',
      { 'content-type': 'text/plain;charset=UTF-8' },
      '{"ename":"text_plain"}',
      'text_plain',
    ],
  ])('a POST with %s is stored', async (_name, headers, body, ename) => {
    expect((await request('POST', '/tr/v1/tr/', headers, body)).status).toBe(200);
    await expect.poll(stored(ename), POLL).toBe(1);
  });

  it.each([
    ['gzip', gzipSync],
    ['deflate', deflateSync],
  ])('a %s-encoded body is inflated and stored', async (encoding, compress) => {
    const body = compress(Buffer.from(JSON.stringify({ ename: `${encoding}_body` })));
    const headers = { 'content-type': 'application/json', 'content-encoding': encoding };
    expect((await request('POST', '/tr/v1/tr/', headers, body)).status).toBe(200);
    await expect.poll(stored(`${encoding}_body`), POLL).toBe(1);
  });

  it('a compressed body that inflates beyond the body limit is refused with 413 (a zip bomb)', async () => {
    const bomb = gzipSync(Buffer.from(`{"ename":"bomb","pad":"${'0'.repeat(50 * 1024 * 1024)}"}`));
    expect(bomb.length).toBeLessThan(100 * 1024);
    const headers = { 'content-type': 'application/json', 'content-encoding': 'gzip' };
    const res = await request('POST', '/tr/v1/tr/', headers, bomb);
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: string }).error).toBe('BODY_TOO_LARGE');
  });

  it('a body that does not inflate is a 400', async () => {
    const headers = { 'content-type': 'application/json', 'content-encoding': 'gzip' };
    expect((await request('POST', '/tr/v1/tr/', headers, '{"ename":"x"}')).status).toBe(400);
  });

  it('/ppi/geoip answers the Go tracker’s fields (ips/ipe = range, iso2 = code, country = name)', async () => {
    const geo = (await (await request('GET', '/tr/v1/ppi/geoip?ip=81.2.69.160')).json()) as Record<
      string,
      unknown
    >;
    expect(geo).toMatchObject({ iso2: 'GB', country: expect.any(String), city: 'London' });
    // 81.2.69.0 to 81.2.69.255, as decimal strings like the IP2Location CSV rows it loaded
    expect(geo).toMatchObject({ ips: '1359103232', ipe: '1359103487' });
    expect(geo.country).not.toBe('GB');
  });

  it('a CORS preflight with the default configuration is answered', async () => {
    const res = await request('OPTIONS', '/tr/v1/tr/', {
      origin: 'https://shop.example',
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'content-type',
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-allow-methods')).toMatch(/POST/);
  });
});
