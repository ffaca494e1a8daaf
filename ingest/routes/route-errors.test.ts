// Route behaviour through inject() on the DATA PATH TEST DOUBLE (ingest/testing/datapath-double.ts).
// What the real store holds is asserted by the functional tests (ingest/functional.int.test.ts).
// Here: refused requests (malformed bodies, bad input named by its key, URLs that do not decode, bodies
// over the limit, an overloaded or refusing data path), compressed bodies, and ids in the URL.
// The shared setup (a fresh app on a fresh double per test) is testing/routes-app.ts.
import { deflateSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { IngestError } from '../errors.ts';
import { app, dp, freshAppsPerTest, ops, start } from './testing/routes-app.ts';

freshAppsPerTest();

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
