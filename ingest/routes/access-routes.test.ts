// Route behaviour through inject() on the DATA PATH TEST DOUBLE (ingest/testing/datapath-double.ts).
// What the real store holds is asserted by the functional tests (ingest/functional.int.test.ts).
// Here: who may do what: the short-link admin without a key, erase requests, the dashboard's read
// credential, client addresses and rate limits, CORS.
// The shared setup (a fresh app on a fresh double per test) is testing/routes-app.ts.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadReadCredential } from '../auth/credential.ts';
import { app, dp, freshAppsPerTest, ops, start } from './testing/routes-app.ts';

freshAppsPerTest();

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

// The dashboard's read credential could be guessed without end, while the admin routes' were bounded.
describe('dashboard read credential', () => {
  it('answers 429 with Retry-After once a client used rateLimits.authFailuresPerMinute on wrong ones', async () => {
    await app.close();
    await ops.close();
    const stateDir = mkdtempSync(join(tmpdir(), 'dash-auth-'));
    const readCredential = loadReadCredential('default', undefined, stateDir);
    const password = readFileSync(readCredential.passwordFile, 'utf8').trim();
    const config = { server: { host: '0.0.0.0' }, rateLimits: { authFailuresPerMinute: 2 } };
    await start(config, { readCredential });
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
