// Route behaviour through inject() on the DATA PATH TEST DOUBLE (ingest/testing/datapath-double.ts).
// What the real store holds is asserted by the functional tests (ingest/functional.int.test.ts).
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync, gzipSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildApps } from '../app.ts';
import { loadReadCredential } from '../auth/credential.ts';
import { IngestError } from '../errors.ts';
import { isUuid, ZERO_UUID } from '../model/ids.ts';
import { createDataPathDouble, type DataPathDouble } from '../testing/datapath-double.ts';
import { testDeps } from '../testing/deps.ts';

let dp: DataPathDouble;
let app: FastifyInstance;
/** The operations app (/metrics, /status), a listener of its own. */
let ops: FastifyInstance;
const CONSENT = 'CookieConsent=3';

async function start(config: Record<string, unknown> = {}) {
  dp = createDataPathDouble();
  ({ app, ops } = await buildApps(await testDeps(dp, config)));
}
beforeEach(() => start());
afterEach(async () => {
  await app.close();
  await ops.close();
});

describe('tr / str / img', () => {
  it('GET /tr/v1/tr with path pairs and utm query stores one client event (no v1=tr from the route)', async () => {
    const res = await app.inject({
      url: '/tr/v1/tr/ename/Page_View/etyp/View?utm_source=News&utm_campaign=Spring&plan=Pro',
      headers: { 'user-agent': 'UA/1', cookie: CONSENT },
    });
    expect(res.statusCode).toBe(200);
    const [row] = dp.table('events');
    expect(row).toMatchObject({
      ename: 'page_view',
      etyp: 'view',
      source: 'news',
      campaign: 'spring',
      bhash: expect.stringMatching(/^[0-9a-z]+$/),
    });
    expect(row?.params).toEqual({ plan: 'Pro' });
    expect(res.cookies.find((c) => c.name === 'vid')).toMatchObject({
      value: row?.vid,
      secure: true,
      sameSite: 'Lax',
    });
  });

  it('/tr is a client event: it sets the vid cookie with consent', async () => {
    const res = await app.inject({ method: 'POST', url: '/tr/v1/tr/', payload: { ename: 'x', cflags: 3 } });
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.body).toBe('{"ok":true}');
    const cookie = res.cookies.find((c) => c.name === 'vid');
    expect(cookie?.value).toBe(dp.table('events')[0]?.vid);
    expect(cookie?.value).not.toBe(ZERO_UUID);
  });

  it('reads the cookies a returning visitor sends: its vid is kept and set again', async () => {
    const vid = '0b6b1b6e-1111-4000-8000-000000000abc';
    const res = await app.inject({
      method: 'POST',
      url: '/tr/v1/tr/',
      headers: { cookie: `other=1; vid=${vid}; ${CONSENT}` },
      payload: { ename: 'x' },
    });
    expect(dp.table('events')[0]?.vid).toBe(vid);
    expect(res.headers['set-cookie']?.[0]).toBe(`vid=${vid}; Max-Age=31536000; Path=/; Secure; SameSite=Lax`);
  });

  // A visitor with consent whose requests carry no sid (a pixel, a link, a page without the browser
  // client) got a session of its own for every event: sessions counted page views.
  it('a consented visitor without a sid of its own keeps one session across requests (the sid cookie)', async () => {
    const vid = '0b6b1b6e-1111-4000-8000-000000000abc';
    const send = (cookie: string) => app.inject({ url: '/tr/v1/img/ename/open', headers: { cookie } });
    const first = await send(`vid=${vid}; ${CONSENT}`);
    const sid = dp.table('events')[0]?.sid;
    expect(isUuid(sid)).toBe(true);
    expect(first.cookies.find((c) => c.name === 'sid')).toMatchObject({
      value: sid,
      maxAge: 1800,
      secure: true,
      sameSite: 'Lax',
      path: '/',
    });
    const second = await send(`vid=${vid}; sid=${sid}; ${CONSENT}`);
    expect(dp.table('events')[1]?.sid).toBe(sid);
    // each answer moves the session's end on
    expect(second.cookies.find((c) => c.name === 'sid')).toMatchObject({ value: sid, maxAge: 1800 });
  });

  it("a sid the client sends is the event's session and the cookie's", async () => {
    const sid = '0b6b1b6e-2222-4000-8000-00000000000d';
    const res = await app.inject({
      method: 'POST',
      url: '/tr/v1/tr/',
      headers: { cookie: `${CONSENT}; sid=0b6b1b6e-3333-4000-8000-00000000000e` },
      payload: { ename: 'x', sid },
    });
    expect(dp.table('events')[0]?.sid).toBe(sid);
    expect(res.cookies.find((c) => c.name === 'sid')?.value).toBe(sid);
  });

  it('without consent the session cookie is expired with the others, and no sid is set', async () => {
    const res = await app.inject({
      url: '/tr/v1/tr/ename/x',
      headers: {
        cookie: 'vid=0b6b1b6e-1111-4000-8000-000000000abc; sid=0b6b1b6e-2222-4000-8000-00000000000d',
      },
    });
    const sid = res.cookies.find((c) => c.name === 'sid');
    expect(sid).toMatchObject({ value: '', maxAge: 0 });
    expect(dp.table('events')[0]?.sid).not.toBe('0b6b1b6e-2222-4000-8000-00000000000d');
  });

  it('a server event sets no cookie', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/tr/v1/str/',
      headers: { cookie: CONSENT },
      payload: { ename: 'x', vid: '0b6b1b6e-1111-4000-8000-000000000abc' },
    });
    expect(res.cookies).toHaveLength(0);
  });

  it('without consent no cookie is set (cookieless)', async () => {
    const res = await app.inject({ method: 'POST', url: '/tr/v1/tr/', payload: { ename: 'x' } });
    expect(res.cookies).toHaveLength(0);
    expect(isUuid(dp.table('events')[0]?.vid)).toBe(true);
  });

  it('POST /tr/v1/str returns {eid} as JSON with its Content-Type, no UA captured', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/tr/v1/str/',
      headers: { 'user-agent': 'UA/1' },
      payload: { ename: 'signup', Custom_Key: 'Keep Case' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const { eid } = res.json() as { eid: string };
    const [row] = dp.table('events');
    expect(row?.eid).toBe(eid);
    expect(row?.browser).toBeUndefined();
    expect(row?.params).toEqual({ Custom_Key: 'Keep Case' });
  });

  // A body of JSON null passed the schema's no-body branch and was stored as an empty event.
  it.each(['/tr/v1/str/', '/tr/v1/tr/'])(
    'POST %s with a JSON null body → 400, nothing stored',
    async (url) => {
      const res = await app.inject({
        method: 'POST',
        url,
        headers: { 'content-type': 'application/json' },
        payload: 'null',
      });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual({
        error: 'BAD_REQUEST',
        message: 'body: JSON null is not a request body (send an object, or no body)',
      });
      expect(dp.table('events')).toEqual([]);
      const empty = await app.inject({
        method: 'POST',
        url,
        headers: { 'content-type': 'application/json' },
      });
      expect(empty.statusCode).toBe(200);
    },
  );

  it('accepts the batch form (JSON array) and returns every eid', async () => {
    const payload = Array.from({ length: 100 }, (_, i) => ({ etyp: 'batch_test', n: i }));
    const res = await app.inject({ method: 'POST', url: '/tr/v1/str/', payload });
    expect((res.json() as { eids: string[] }).eids).toHaveLength(100);
    expect(dp.table('events')).toHaveLength(100);
    // the answer's text is made before the write: the same bytes and type as the object serialised after
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.body).toBe(JSON.stringify({ eids: dp.table('events').map((r) => r.eid) }));
  });

  it('HEAD of /tr/v1/str answers no body and records nothing', async () => {
    const res = await app.inject({ method: 'HEAD', url: '/tr/v1/str/' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('');
    expect(dp.table('events')).toHaveLength(0);
  });

  it('accepts JSON sent as text/plain (the Go tracker browser client)', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/tr/v1/tr/',
      headers: { 'content-type': 'text/plain' },
      payload: '{"ename":"a"}',
    });
    expect(res.statusCode).toBe(200);
    expect(dp.table('events')[0]?.ename).toBe('a');
  });

  it('reads the user cookie and the User header', async () => {
    const uid = '5e55e55e-0000-4000-8000-0000000000aa';
    await app.inject({ url: '/tr/v1/str/', cookies: { user: JSON.stringify({ uid }) } });
    await app.inject({
      url: '/tr/v1/str/',
      headers: { user: JSON.stringify({ uid, ename: 'from_header' }) },
    });
    expect(dp.table('events').map((r) => r.uid)).toEqual([uid, uid]);
    expect(dp.table('events')[1]?.ename).toBe('from_header');
  });

  it('GET /tr/v1/img answers a 1x1 GIF', async () => {
    const res = await app.inject({ url: '/tr/v1/img/ename/pixel' });
    expect(res.headers['content-type']).toBe('image/gif');
    expect(res.rawPayload.subarray(0, 6).toString()).toBe('GIF89a');
    expect(dp.table('events')[0]?.ename).toBe('pixel');
  });

  it('messaging side effects: one mthreads, mstore and mtriage row per tid event', async () => {
    const tid = '7e57e57e-0000-4000-8000-000000000001';
    await app.inject({
      method: 'POST',
      url: '/tr/v1/str/',
      payload: { tid, ename: 'opened', subject: 'Hi There' },
    });
    expect(dp.table('mthreads')).toHaveLength(1);
    expect(dp.table('mstore')).toHaveLength(1);
    expect(dp.table('mtriage')).toHaveLength(1);
    expect(dp.table('mstore')[0]).toMatchObject({
      tid,
      mid: dp.table('events')[0]?.eid,
      subject: 'Hi There',
    });
  });
});

describe('errors and overload', () => {
  it.each([
    ['malformed JSON', 400, 'BAD_REQUEST', { 'content-type': 'application/json' }, '{"a":'],
    ['a JSON string body', 400, 'BAD_REQUEST', { 'content-type': 'application/json' }, '"x"'],
    // any content type is read as JSON (the Go tracker's clients rely on it): not JSON is a 400
    ['a content type that is not JSON', 400, 'BAD_REQUEST', { 'content-type': 'application/xml' }, '<a/>'],
    ['an unsupported Content-Encoding', 415, 'UNSUPPORTED_MEDIA_TYPE', { 'content-encoding': 'br' }, '{}'],
  ] as const)('%s → %i %s', async (_n, status, code, headers, payload) => {
    const res = await app.inject({ method: 'POST', url: '/tr/v1/tr/', headers, payload });
    expect(res.statusCode).toBe(status);
    expect(res.json()).toMatchObject({ error: code });
  });

  // Each once answered Ajv's list of every failed branch of the body's union ("body must be object, body
  // must NOT have fewer than 1 items, body must be null, body must match a schema in anyOf").
  it.each([
    [
      'a JSON string',
      '"x"',
      'body: must be one event (a JSON object), a JSON array of 1 to 1000 events, or empty',
    ],
    ['an empty array', '[]', 'body: a batch holds at least one event (the array is empty)'],
    [
      'an array holding a number',
      '[{"ename":"a"},2]',
      'body: must be one event (a JSON object), a JSON array of 1 to 1000 events, or empty',
    ],
    [
      'a batch over server.maxBatchEvents',
      JSON.stringify(Array(1001).fill({})),
      'body: a batch holds at most 1000 events',
    ],
    [
      'an event with too many keys',
      JSON.stringify(Object.fromEntries(Array.from({ length: 513 }, (_, i) => [`k${i}`, i]))),
      'body: an event has more than 512 keys',
    ],
  ])('a body of %s → 400 saying what a body may be, nothing stored', async (_n, payload, message) => {
    for (const url of ['/tr/v1/tr/', '/tr/v1/str/']) {
      const res = await app.inject({ method: 'POST', url, payload });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual({ error: 'BAD_REQUEST', message });
    }
    expect(dp.table('events')).toEqual([]);
  });

  // Other schema failures read as configuration problems do; they once listed every branch of a union
  // ("querystring/range must be equal to constant" six times, then "must match a schema in anyOf").
  it.each([
    ['POST', `/tr/v1/str/${'a'.repeat(4097)}`, {}, 'params.*: must NOT have more than 4096 characters'],
    [
      'GET',
      '/dashboard/api/overview?range=99y',
      undefined,
      'querystring.range: must be one of 15m, 1h, 6h, 24h, 7d, 30d',
    ],
    [
      'POST',
      '/tr/v1/ppi/agree',
      { vid: '1d2c3b4a-0000-4000-8000-000000000001', cflags: -1 },
      'body.cflags: must be >= 0',
    ],
    // Fastify's default Ajv unwrapped a one-element array: the consent was recorded as cflags 3
    [
      'POST',
      '/tr/v1/ppi/agree',
      { vid: '1d2c3b4a-0000-4000-8000-000000000001', cflags: [3] },
      'body.cflags: must be integer',
    ],
  ] as const)('%s %s → 400 naming the key and the rule', async (method, url, payload, message) => {
    // on loopback the dashboard asks for no credential
    await app.close();
    await ops.close();
    await start({ server: { host: '127.0.0.1' } });
    const res = await app.inject({ method, url, ...(payload === undefined ? {} : { payload }) });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ error: 'BAD_REQUEST', message });
  });

  // Fastify's router answered these itself: {"error":"Bad Request","code":"FST_ERR_BAD_URL",…,"statusCode":400}
  it('a URL that does not decode → 400 in the same {error, message} shape', async () => {
    const res = await app.inject({ method: 'POST', url: '/tr/v1/str/ename/%ff%fe', payload: {} });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({
      error: 'BAD_REQUEST',
      message: "'/tr/v1/str/ename/%ff%fe' is not a valid url component",
    });
    expect(dp.table('events')).toEqual([]);
  });

  it.each([
    ['gzip', gzipSync],
    ['deflate', deflateSync],
  ])('a %s body is inflated; the reply is never compressed', async (encoding, deflate) => {
    const res = await app.inject({
      method: 'POST',
      url: '/tr/v1/str/',
      headers: { 'content-encoding': encoding, 'accept-encoding': 'gzip, deflate' },
      payload: deflate(JSON.stringify({ ename: `packed_${encoding}` })),
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-encoding']).toBeUndefined();
    expect(res.json()).toEqual({ eid: dp.table('events')[0]?.eid });
    expect(dp.table('events')[0]?.ename).toBe(`packed_${encoding}`);
  });

  it('a body over the limit → 413', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/tr/v1/tr/',
      payload: { big: 'x'.repeat(1_100_000) },
    });
    expect(res.statusCode).toBe(413);
    expect(res.json()).toMatchObject({ error: 'BODY_TOO_LARGE' });
  });

  it('spool full → 503 with Retry-After; the answer reflects persistence', async () => {
    dp.failWith(new IngestError('OVERLOADED', undefined, { retryAfterS: 2 }));
    const res = await app.inject({ method: 'POST', url: '/tr/v1/tr/', payload: { ename: 'x' } });
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('2');
    expect(res.json()).toMatchObject({ error: 'OVERLOADED' });
  });

  it('a row the data path rejects → 400 INVALID_EVENT', async () => {
    dp.failWith(new IngestError('INVALID_EVENT', 'events.lat: not a number'));
    const res = await app.inject({ method: 'POST', url: '/tr/v1/str/', payload: {} });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ error: 'INVALID_EVENT', message: 'events.lat: not a number' });
  });
});

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

describe('short-link admin without a key', () => {
  // A bad body used to be answered 400 before the key was asked for: a caller without one could learn
  // what a valid request looks like. Malformed JSON included, nothing is read before the key.
  it.each([
    [{}],
    [{ urlto: 'https://example.com/' }],
    [{ urlfrom: 'go.example/x', urlto: 'ftp://x' }],
    ['{"urlfrom":'],
  ])('is 401 for %j: the key comes before the body', async (payload) => {
    const res = await app.inject({
      method: 'POST',
      url: '/tr/v1/rpi/redirect',
      headers: { 'content-type': 'application/json' },
      payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
    });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ error: 'UNAUTHORIZED' });
  });
  it('the credentials-in-path form is off unless apiKeys.allowPathCredentials is set', async () => {
    const payload = { urlfrom: 'go.example/x', urlto: 'https://example.com/' };
    const url = '/tr/v1/rpi/redirect/14fb0860-b4bf-11e9-8971-7b80435315ac/password';
    expect((await app.inject({ method: 'POST', url, payload })).statusCode).toBe(404);
  });

  it('a valid body without a key is 401', async () => {
    const payload = { urlfrom: 'go.example/x', urlto: 'https://example.com/' };
    expect((await app.inject({ method: 'POST', url: '/tr/v1/rpi/redirect', payload })).statusCode).toBe(401);
  });
});

describe('erase requests', () => {
  // A malformed id was ignored: with a key or the visitor token, {vid, uid: "nope"} erased the vid alone
  // and answered 202. Each refusal names its key as a schema's refusal does (`body.emial: unknown key`):
  // they said `uid must be a UUID`, the consent route `body.vid: must be a UUID`.
  it.each([
    [{ uid: 'nope' }, 'body.uid: must be a UUID'],
    [{ vid: '5d7c0a4e-1111-4aaa-8bbb-00000000000b', uid: 'nope' }, 'body.uid: must be a UUID'],
    [{ vid: 'nope' }, 'body.vid: must be a UUID'],
    // refused when empty, an email of spaces was accepted: once trimmed it is as empty
    [{ email: ' \t ' }, 'body.email: is blank'],
  ])('%j → 400 naming the id, nothing erased', async (payload, message) => {
    const res = await app.inject({ method: 'POST', url: '/tr/v1/ppi/forget', payload });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ error: 'BAD_REQUEST', message });
    expect(dp.rows.size).toBe(0);
  });
});

// A visitor or request id in the URL that is not a UUID is named where it was sent, as a schema's refusal
// is (`querystring.range: …`): they said `vid must be a UUID` and `id must be a UUID`.
describe('ids and addresses in the URL', () => {
  it.each([
    ['/tr/v1/ppi/agree?vid=nope', 'querystring.vid: must be a UUID'],
    // said `ip is not an IP address`
    ['/tr/v1/ppi/geoip?ip=nope', 'querystring.ip: is not an IP address'],
    ['/tr/v1/ppi/forget/nope', 'params.id: must be a UUID'],
  ])('GET %s → 400 %s', async (url, message) => {
    const res = await app.inject({ method: 'GET', url });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ error: 'BAD_REQUEST', message });
  });
});

// The dashboard's read credential could be guessed without end, while the admin routes' were bounded.
describe('dashboard read credential', () => {
  it('answers 429 with Retry-After once a client used rateLimits.authFailuresPerMinute on wrong ones', async () => {
    await app.close();
    await ops.close();
    const stateDir = mkdtempSync(join(tmpdir(), 'dash-auth-'));
    const readCredential = loadReadCredential('default', undefined, stateDir);
    const password = readFileSync(readCredential.passwordFile, 'utf8').trim();
    dp = createDataPathDouble();
    const config = { server: { host: '0.0.0.0' }, rateLimits: { authFailuresPerMinute: 2 } };
    ({ app, ops } = await buildApps(await testDeps(dp, config, { readCredential })));
    const ask = (auth: string) =>
      app.inject({ url: '/dashboard', headers: { authorization: `Basic ${btoa(auth)}` } });
    for (let i = 0; i < 5; i++) expect((await ask(`default:${password}`)).statusCode).toBe(200);
    for (let i = 0; i < 2; i++) expect((await ask(`default:guess${i}`)).statusCode).toBe(401);
    const res = await ask('default:guess3');
    expect(res.statusCode).toBe(429);
    expect(res.headers['retry-after']).toBe('30');
    expect(res.json()).toEqual({
      error: 'RATE_LIMITED',
      message: 'too many failed authentications from this client',
    });
  });
});

describe('ops', () => {
  it('probes answer and never record events', async () => {
    for (const url of ['/health', '/ready', '/ping']) {
      expect((await app.inject({ url })).statusCode).toBe(200);
    }
    expect((await app.inject({ url: '/ping' })).body).toBe('pong');
    expect(dp.rows.size).toBe(0);
  });
  // /ready said 200 while the spool refused every append: a load balancer kept the instance in rotation.
  it('/ready is 503 with the reason while the data path refuses appends', async () => {
    const refusing = {
      ...dp.status(),
      ready: false,
      reason: 'the spool is full (spool.maxBytes 1024 bytes)',
    };
    dp.status = () => refusing;
    const res = await app.inject({ url: '/ready' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({
      ready: false,
      draining: false,
      breaker: 'closed',
      reason: 'the spool is full (spool.maxBytes 1024 bytes)',
    });
  });
  // Regression: /metrics and /status were routes of the public app, so the ingest Service (a LoadBalancer
  // in the production example) served the service's load, versions and store state to the internet.
  it('/metrics and /status are on the operations app only: the public app answers 404', async () => {
    for (const url of ['/metrics', '/status']) {
      expect((await app.inject({ url })).statusCode, url).toBe(404);
      expect((await ops.inject({ url })).statusCode, url).toBe(200);
    }
    expect((await ops.inject({ url: '/metrics' })).body).toMatch(/tracker_http_requests_total/);
    expect((await ops.inject({ url: '/status' })).json()).toMatchObject({ dataPath: { ready: true } });
    for (const url of ['/tr/v1/tr/', '/health', '/ready']) {
      const res = await ops.inject({ url });
      expect(res.statusCode, url).toBe(404);
      expect(res.json(), url).toEqual({ error: 'NOT_FOUND', message: `no route GET ${url}` });
    }
    expect(dp.rows.size).toBe(0);
  });
  it('the operations app refuses as the public one does: a wrong method is 405 with Allow', async () => {
    const res = await ops.inject({ method: 'POST', url: '/metrics' });
    expect(res.statusCode).toBe(405);
    expect(res.headers.allow).toBe('GET, HEAD');
    expect(res.json()).toEqual({
      error: 'METHOD_NOT_ALLOWED',
      message: '/metrics answers GET, HEAD, not POST',
    });
  });
  // It answered a bare 404 with no body, as if the endpoint did not exist.
  it('a plain GET of the WebSocket path → 426 JSON naming the upgrade, no event', async () => {
    const res = await app.inject({ url: '/tr/v1/ws' });
    expect(res.statusCode).toBe(426);
    expect(res.headers.upgrade).toBe('websocket');
    expect(res.json()).toEqual({
      error: 'UPGRADE_REQUIRED',
      message: expect.stringMatching(/Upgrade: websocket/),
    });
    expect(dp.rows.size).toBe(0);
  });
  it('counts every request by route, method and status, and times it by route', async () => {
    await app.inject({ method: 'POST', url: '/tr/v1/tr/', payload: { ename: 'a' } });
    await app.inject({ method: 'POST', url: '/tr/v1/tr/', payload: { ename: 'b' } });
    await app.inject({ method: 'POST', url: '/tr/v1/tr/', payload: '[1]' });
    await app.inject({ method: 'HEAD', url: '/tr/v1/img/' });
    await app.inject({ method: 'PATCH', url: '/tr/v1/tr/' }); // no route takes PATCH: a 405
    const text = (await ops.inject({ url: '/metrics' })).body;
    const count = (labels: string) =>
      text.match(new RegExp(`^tracker_http_requests_total\\{${labels}\\} (\\d+)$`, 'm'))?.[1];
    expect(count('route="/tr/v1/tr/\\*",method="POST",status="200"')).toBe('2');
    expect(count('route="/tr/v1/tr/\\*",method="POST",status="400"')).toBe('1');
    expect(count('route="/tr/v1/img/\\*",method="HEAD",status="200"')).toBe('1');
    expect(count('route="unknown",method="PATCH",status="405"')).toBe('1');
    const timed = (route: string) =>
      text.match(
        new RegExp(`^tracker_http_request_duration_seconds_count\\{route="${route}"\\} (\\d+)$`, 'm'),
      )?.[1];
    expect(timed('/tr/v1/tr/\\*')).toBe('3');
    expect(timed('unknown')).toBe('1');
    expect(text).toMatch(/^tracker_rows_accepted_total\{table="events"\} 2$/m);
  });
  it('/clear sends Clear-Site-Data', async () => {
    expect((await app.inject({ url: '/clear' })).headers['clear-site-data']).toBe('"*"');
  });
  it('unknown paths on non short-link hosts → 404 JSON, no event', async () => {
    const res = await app.inject({ url: '/favicon.ico' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ error: 'NOT_FOUND' });
    expect(dp.rows.size).toBe(0);
  });
  // The Go tracker's /api reverse proxy and /tr/v1/pub file server are left to the Ingress (docs/go-tracker.md):
  // the ingest neither forwards a request nor reads a file for them.
  it.each([
    ['GET', '/api/v2/users?id=1'],
    ['POST', '/api/orders'],
    ['GET', '/tr/v1/pub/tracker.js'],
    ['GET', '/tr/v1/pub/../../etc/passwd'],
  ])('%s %s → 404 JSON, no event (no proxy, no static files)', async (method, url) => {
    const res = await app.inject({ method: method as 'GET' | 'POST', url });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ error: 'NOT_FOUND' });
    expect(dp.rows.size).toBe(0);
  });
});

describe('client IP and rate limits', () => {
  it('forwarding headers count only from trusted proxies', async () => {
    await app.close();
    await start({ server: { trustedProxies: ['10.0.0.0/8'] }, privacy: { ipMode: 'keep' } });
    await app.inject({
      url: '/tr/v1/str/',
      remoteAddress: '10.1.2.3',
      headers: { 'x-forwarded-for': '203.0.113.9' },
    });
    await app.inject({
      url: '/tr/v1/str/',
      remoteAddress: '198.51.100.7',
      headers: { 'x-forwarded-for': '203.0.113.9' },
    });
    expect(dp.table('events').map((r) => r.ip)).toEqual(['203.0.113.9', '198.51.100.7']);
  });

  it('burst and daily limits → 429 with Retry-After; probes are not limited', async () => {
    await app.close();
    await start({ rateLimits: { burst: 2, perIpPerDay: 3 } });
    const codes = [];
    for (let i = 0; i < 3; i++) codes.push((await app.inject({ url: '/tr/v1/str/' })).statusCode);
    expect(codes).toEqual([200, 200, 429]);
    const res = await app.inject({ url: '/tr/v1/str/' });
    expect(res.headers['retry-after']).toBeDefined();
    expect((await app.inject({ url: '/health' })).statusCode).toBe(200);
  });
});

describe('CORS', () => {
  it('allows Content-Type in preflight and echoes only configured origins', async () => {
    await app.close();
    await start({ cors: { origins: ['https://app.example'], credentials: true } });
    const res = await app.inject({
      method: 'OPTIONS',
      url: '/tr/v1/str/',
      headers: {
        origin: 'https://app.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    });
    expect(res.headers['access-control-allow-origin']).toBe('https://app.example');
    expect(String(res.headers['access-control-allow-headers'])).toMatch(/Content-Type/);
    const other = await app.inject({ method: 'GET', url: '/ping', headers: { origin: 'https://evil.test' } });
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });
});
