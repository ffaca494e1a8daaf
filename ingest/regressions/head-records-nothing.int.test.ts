// HEAD requests (link checkers, mail scanners) on tracking URLs answered like GET AND recorded events,
// inflating counts. HEAD answers like GET and records nothing. Real HTTP, real data path, chdb.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newApiKey } from '../auth/api-keys.ts';
import { type Live, startLive } from '../testing/live.ts';

const ORG = '0a000000-0000-4000-8000-00000000000a';
let live: Live;

beforeAll(async () => {
  const k = await newApiKey(ORG, 'acme');
  live = await startLive({
    domains: { shortLinkHosts: ['go.example'], redirectAllowList: ['example.com'] },
    apiKeys: { keys: [{ id: k.entry.keyId, oid: k.entry.oid, org: k.entry.org, hash: k.entry.hash }] },
  });
  const res = await fetch(`${live.url}/tr/v1/rpi/redirect`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${k.key}` },
    body: JSON.stringify({ urlfrom: 'go.example/spring', urlto: 'https://example.com/sale' }),
  });
  expect(res.status).toBe(201);
});
afterAll(() => live.close());

const request = (method: string, path: string, headers: Record<string, string> = {}) =>
  fetch(live.url + path, { method, headers, redirect: 'manual' });
const events = async () => Number((await live.rows<{ n: string }>('SELECT count() AS n FROM events'))[0]?.n);

describe('HEAD records nothing', () => {
  it.each([
    ['/tr/v1/tr/ename/probe', 200, undefined],
    ['/tr/v1/img/ename/probe', 200, 'image/gif'],
    ['/tr/v1/str/?ename=probe', 200, undefined],
    ['/tr/v1/rdr/?url=https://example.com/x', 302, undefined],
    ['/tr/v1/xrdr/?url=https://example.com/x', 302, undefined],
  ])('HEAD %s answers %i like GET', async (path, status, type) => {
    const res = await request('HEAD', path);
    expect(res.status).toBe(status);
    if (type !== undefined) expect(res.headers.get('content-type')).toBe(type);
    if (status === 302) expect(res.headers.get('location')).toBe('https://example.com/x');
  });

  it('HEAD on a short link answers 302 to its target', async () => {
    const res = await request('HEAD', '/spring', { 'x-forwarded-host': 'go.example' });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('https://example.com/sale');
  });

  it('none of the HEAD requests above stored an event; the same GETs store one each', async () => {
    await request('GET', '/tr/v1/img/ename/probe');
    await request('GET', '/spring', { 'x-forwarded-host': 'go.example' });
    // rows reach the store in the order they were appended: once the last GET's row is there, any row
    // a HEAD had recorded before it would be there too
    const last = async () =>
      Number(
        (await live.rows<{ n: string }>("SELECT count() AS n FROM events WHERE ename = 'short_rdr'"))[0]?.n,
      );
    await expect.poll(last, { timeout: 10_000 }).toBe(1);
    expect(await events()).toBe(2);
  });
});
