// Route behaviour through inject() on the DATA PATH TEST DOUBLE (ingest/testing/datapath-double.ts).
// What the real store holds is asserted by the functional tests (ingest/functional.int.test.ts).
// Here: redirects (rdr, xrdr) and payments (ltv).
// The shared setup (a fresh app on a fresh double per test) is testing/routes-app.ts.
import { describe, expect, it } from 'vitest';
import { app, dp, freshAppsPerTest } from './testing/routes-app.ts';

freshAppsPerTest();

describe('redirects', () => {
  it.each([
    ['https://example.com/landing?x=1', 302],
    ['https://shop.example.org/a', 302],
    ['/local/path', 302],
    ['https://evil.test/phish', 400],
    ['//evil.test/x', 400],
    ['javascript:alert(1)', 400],
  ])('rdr to %s → %i (no open redirect)', async (url, status) => {
    const res = await app.inject({ url: `/tr/v1/rdr/?url=${encodeURIComponent(url)}` });
    expect(res.statusCode).toBe(status);
    if (status === 302) expect(res.headers.location).toBeTruthy();
    expect(dp.table('events')).toHaveLength(status === 302 ? 1 : 0);
  });

  // Refusals of the destination said `destination host … is not on the allow-list`, naming no key where
  // the route's other refusals say `querystring.url: …`.
  it.each([
    [
      'https://evil.test/phish',
      'querystring.url: host evil.test is not on the allow-list (domains.redirectAllowList)',
    ],
    ['javascript:alert(1)', 'querystring.url: must be http(s), not javascript:'],
    ['ftp://example.com/x', 'querystring.url: must be http(s), not ftp:'],
  ])('rdr and xrdr to %s are refused naming the key and why', async (url, message) => {
    for (const route of ['rdr', 'xrdr']) {
      const res = await app.inject({ url: `/tr/v1/${route}/?url=${encodeURIComponent(url)}` });
      expect(res.json(), route).toEqual({ error: 'REDIRECT_NOT_ALLOWED', message });
    }
  });

  // The route's own refusals said `url is required` where its schema's say `querystring.url: …`.
  it.each([
    ['no url', '', 'querystring.url: is required (domains.defaultRedirect is not set)'],
    ['an empty url', '?url=', 'querystring.url: is required (domains.defaultRedirect is not set)'],
    [
      'a URL that does not parse',
      `?url=${encodeURIComponent('https://[bad')}`,
      'querystring.url: is not a valid URL',
    ],
    [
      'a control character',
      `?url=${encodeURIComponent('https://example.com/\r\nx')}`,
      'querystring.url: contains control characters',
    ],
    [
      'a url too long',
      `?url=${'x'.repeat(8193)}`,
      'querystring.url: must NOT have more than 8192 characters',
    ],
  ])('rdr and xrdr with %s are refused naming the query key', async (_what, query, message) => {
    for (const route of ['rdr', 'xrdr']) {
      const res = await app.inject({ url: `/tr/v1/${route}/${query}` });
      expect(res.json()).toEqual({ error: 'BAD_REQUEST', message });
    }
    expect(dp.table('events')).toHaveLength(0);
  });

  it('xrdr is a client event and sets the cookie with consent', async () => {
    const res = await app.inject({ url: '/tr/v1/xrdr/?url=https://example.com/&cflags=3' });
    expect(res.statusCode).toBe(302);
    expect(res.cookies.find((c) => c.name === 'vid')).toBeDefined();
  });
});

describe('ltv', () => {
  const uid = '5e55e55e-0000-4000-8000-000000000001';
  const orid = '0a0a0a0a-0000-4000-8000-000000000001';
  it('single payment writes payments and ltv rows; a resend has the same ids (idempotent)', async () => {
    const payload = { uid, orid, amt: 99.99, currency: 'usd', product: 'Pro Plan' };
    const a = await app.inject({ method: 'POST', url: '/tr/v1/ltv/', payload });
    const b = await app.inject({ method: 'POST', url: '/tr/v1/ltv/', payload });
    expect((a.json() as { ids: string[] }).ids).toEqual((b.json() as { ids: string[] }).ids);
    expect(dp.table('payments')[0]).toMatchObject({ revenue: 99.99, currency: 'USD', product: 'Pro Plan' });
    expect(dp.table('ltv').map((r) => r.id_type)).toEqual(['uid', 'orid', 'uid', 'orid']);
  });
  it('batch with a refund (a negative amount subtracts)', async () => {
    const payload = {
      uid,
      orid,
      payments: [
        { id: 1, revenue: 50 },
        { id: 'r1', revenue: -20 },
      ],
    };
    await app.inject({ method: 'POST', url: '/tr/v1/ltv/', payload });
    expect(dp.table('ltv').map((r) => [r.id_type, r.paid])).toEqual([
      ['uid', 50],
      ['orid', 50],
      ['uid', -20],
      ['orid', -20],
    ]);
  });
  // An epoch-millisecond time past what a JavaScript Date holds failed formatting the row: a 500.
  it('a payment time past any date is a 400 naming it, not a 500', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/tr/v1/ltv/',
      payload: { uid, revenue: 5, paid_at: '9999999999999999', starts: 9e15 },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({
      error: 'INVALID_EVENT',
      message: 'payments[0].starts: must be an ISO 8601 time or epoch milliseconds',
    });
    expect(dp.table('payments')).toEqual([]);
  });
  // A field that did not fit its column was dropped and the payment stored with a 200: a uid that was not
  // a UUID left the money on no one's lifetime value.
  it.each([
    [{ uid: 'user-42' }, 'payments[0].uid: must be a UUID'],
    [{ payments: [{ revenue: 1 }, { revenue: 2, vid: 7 }] }, 'payments[1].vid: must be a UUID'],
    [{ paid_at: 'never' }, 'payments[0].paid_at: must be an ISO 8601 time or epoch milliseconds'],
    [{ qty: 'two' }, 'payments[0].qty: must be a number'],
    [{ country: 49 }, 'payments[0].country: must be a string'],
    [{ duration: 1.5 }, 'payments[0].duration: must be an integer'],
  ])('a payment field that does not fit its column is a 400 naming it: %j', async (fields, message) => {
    const payload = { uid, revenue: 5, ...fields };
    const res = await app.inject({ method: 'POST', url: '/tr/v1/ltv/', payload });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ error: 'INVALID_EVENT', message });
    expect(dp.table('payments')).toEqual([]);
    expect(dp.table('ltv')).toEqual([]);
  });
  it('null and empty ids and times are absent, not refused', async () => {
    const payload = { uid, revenue: 5, vid: null, orid: '', paid_at: '', qty: null };
    const res = await app.inject({ method: 'POST', url: '/tr/v1/ltv/', payload });
    expect(res.statusCode).toBe(200);
    // a payment without its time was paid when received (it was stored as 1970-01-01)
    expect(dp.table('payments')[0]?.paid_at).toBe(dp.table('payments')[0]?.created_at);
    expect(dp.table('ltv').map((r) => r.id_type)).toEqual(['uid']);
  });
  // Ajv's coercion wraps a lone value in an array before checking its elements: `"payments": "x"` was
  // refused as `body.payments.0: must be object`, naming an element the caller never sent.
  it.each([['x'], [5], [null], [['x']], [[{ revenue: 5 }, 3]]])(
    'payments: %j is a 400 saying payments must be an array of objects',
    async (payments) => {
      const res = await app.inject({ method: 'POST', url: '/tr/v1/ltv/', payload: { uid, payments } });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual({
        error: 'BAD_REQUEST',
        message: 'body.payments: must be an array of objects',
      });
      expect(dp.table('payments')).toEqual([]);
    },
  );
  it('a non-numeric amount is a 400 with a reason', async () => {
    const res = await app.inject({ method: 'POST', url: '/tr/v1/ltv/', payload: { uid, revenue: 'lots' } });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'INVALID_EVENT' });
  });
});
