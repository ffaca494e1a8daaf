// A short link whose target holds CR/LF was accepted (201) and then every resolve answered 500 while still
// recording an event. Targets are checked on create (an absolute http(s) URL without control characters)
// and again on read, for links stored before the check existed. Real HTTP, real data path, chdb.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newApiKey } from '../auth/api-keys.ts';
import { fnv1a36 } from '../privacy/hash.ts';
import { type Live, startLive } from '../testing/live.ts';

const ORG = '0a000000-0000-4000-8000-00000000000a';
let live: Live;
let auth: Record<string, string> = {};

beforeAll(async () => {
  const k = await newApiKey(ORG, 'acme');
  auth = { authorization: `Bearer ${k.key}` };
  live = await startLive({
    domains: { shortLinkHosts: ['go.example'], redirectAllowList: ['example.com'] },
    apiKeys: { keys: [{ id: k.entry.keyId, oid: k.entry.oid, org: k.entry.org, hash: k.entry.hash }] },
  });
});
afterAll(() => live.close());

const create = (urlfrom: string, urlto: string) =>
  fetch(`${live.url}/tr/v1/rpi/redirect`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...auth },
    body: JSON.stringify({ urlfrom, urlto }),
  });
const resolve = (path: string) =>
  fetch(live.url + path, { headers: { 'x-forwarded-host': 'go.example' }, redirect: 'manual' });
const events = async () => Number((await live.rows<{ n: string }>('SELECT count() AS n FROM events'))[0]?.n);

describe('short-link targets', () => {
  it.each([
    ['CR/LF', 'https://example.com/a\r\nSet-Cookie: x=1'],
    ['a tab', 'https://example.com/\ta'],
    ['NUL', 'https://example.com/\u0000'],
    ['not http(s)', 'javascript://example.com/%0aalert(1)'],
    ['not absolute', 'https:example'],
  ])('a target with %s is refused on create with 400', async (_name, urlto) => {
    const res = await create('go.example/bad', urlto);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe('BAD_REQUEST');
    expect((await resolve('/bad')).status).toBe(404);
  });

  it('a stored link with such a target answers 404 and records nothing', async () => {
    await live.store.insert(
      'redirects',
      [
        {
          hhash: fnv1a36('go.example'),
          urlfrom: 'go.example/legacy',
          urlto: 'https://example.com/x\r\nSet-Cookie: a=b',
          oid: ORG,
          org: 'acme',
          deleted: 0,
        },
      ],
      { dedupToken: 'legacy-link' },
    );
    const res = await resolve('/legacy');
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: 'NOT_FOUND', message: 'the link has no valid target' });
    expect(await events()).toBe(0);
  });

  it('a good target still resolves with 302 and one event', async () => {
    expect((await create('go.example/good', 'https://example.com/ok?x=1')).status).toBe(201);
    const res = await resolve('/good');
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('https://example.com/ok?x=1');
    await expect.poll(events, { timeout: 10_000 }).toBe(1);
  });
});

describe('tracked redirects', () => {
  it('a relative url with CR/LF is a 400, not a 500', async () => {
    const res = await fetch(`${live.url}/tr/v1/rdr/?url=${encodeURIComponent('/a\r\nSet-Cookie: x=1')}`, {
      redirect: 'manual',
    });
    expect(res.status).toBe(400);
  });
});

// A destination with a character outside Latin-1 was sent as-is in the Location header: Node refused the
// header after the event was recorded, and the visitor got a 500 (in Fastify's own error shape) instead of
// the redirect.
describe('destinations outside ASCII', () => {
  it('a short link to a non-ASCII URL answers 302 with the percent-encoded target', async () => {
    expect((await create('go.example/unicode', 'https://example.com/\u2713?q=\u00e9')).status).toBe(201);
    const res = await resolve('/unicode');
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('https://example.com/%E2%9C%93?q=%C3%A9');
  });

  it('a relative rdr url outside ASCII answers 302 with the percent-encoded path', async () => {
    const res = await fetch(`${live.url}/tr/v1/rdr/?url=${encodeURIComponent('/\u2713?q=\u00e9')}`, {
      redirect: 'manual',
    });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/%E2%9C%93?q=%C3%A9');
  });

  it('a relative url with dot segments stays a path on this host', async () => {
    const res = await fetch(`${live.url}/tr/v1/rdr/?url=${encodeURIComponent('/.//evil.example/\u2713')}`, {
      redirect: 'manual',
    });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/.//evil.example/%E2%9C%93');
  });
});
