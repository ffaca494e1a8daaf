// What the ingest derives for analytics beyond the Go tracker: the parsed user agent and bot flag, the
// referrer (Referer header fallback), UTM parameters and click ids in their columns, and events bound to
// a site's org by its write key (consents too). Real HTTP, real data path, chdb.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Live, startLive } from './testing/live.ts';

const SITE_A = '0a000000-0000-4000-8000-0000000000a1';
const SITE_B = '0a000000-0000-4000-8000-0000000000b2';
const CHROME =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';
const IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';

let live: Live;
beforeAll(async () => {
  live = await startLive({
    userAgent: { extraBotPatterns: ['acme-monitor'] },
    sites: {
      keys: [
        { key: 'site_a_public_key', oid: SITE_A, org: 'a' },
        { key: 'site_b_public_key', oid: SITE_B, org: 'b', origins: ['https://b.example'] },
      ],
    },
  });
});
afterAll(() => live.close());

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  live.post(path, body, headers);
const row = (ename: string) => async () =>
  (
    await live.rows<Record<string, unknown>>('SELECT * FROM events WHERE ename = {e:String}', { e: ename })
  )[0];
const stored = async (ename: string) => {
  await expect.poll(row(ename), { timeout: 10_000 }).toBeDefined();
  return (await row(ename)()) as Record<string, unknown>;
};

describe('user agent', () => {
  it.each([
    [
      'desktop Chrome',
      CHROME,
      { browser: 'Chrome', browser_version: '124.0.0.0', os: 'Windows', device: 'desktop', bot: false },
    ],
    [
      'an iPhone',
      IPHONE,
      {
        browser: 'Safari',
        browser_version: '17.4',
        os: 'iOS',
        os_version: '17.4',
        device: 'mobile',
        bot: false,
      },
    ],
    [
      'Googlebot (flagged, kept)',
      'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
      { bot: true },
    ],
    ['a configured bot pattern', 'Acme-Monitor/3.1 (uptime)', { bot: true }],
  ])('%s', async (name, ua, expected) => {
    const ename = `ua_${name.replace(/\W+/g, '_').toLowerCase()}`;
    expect((await post('/tr/v1/tr/', { ename }, { 'user-agent': ua })).status).toBe(200);
    expect(await stored(ename)).toMatchObject(expected);
  });

  it('an explicit os or device in the event wins over the parsed one', async () => {
    await post(
      '/tr/v1/tr/',
      { ename: 'ua_explicit', os: 'Custom OS', device: 'kiosk' },
      { 'user-agent': CHROME },
    );
    expect(await stored('ua_explicit')).toMatchObject({
      os: 'custom os',
      device: 'kiosk',
      browser: 'Chrome',
    });
  });
});

describe('referrer, UTM and click ids', () => {
  it('the Referer header is the referrer when the event has none; an explicit one wins', async () => {
    await post('/tr/v1/tr/', { ename: 'ref_header' }, { referer: 'https://news.example/story' });
    await post(
      '/tr/v1/tr/',
      { ename: 'ref_explicit', referrer: 'https://search.example/?q=x' },
      { referer: 'https://ignored.example/' },
    );
    await post(
      '/tr/v1/tr/',
      { ename: 'ref_self', url: 'https://shop.example/a' },
      { referer: 'https://shop.example/a' },
    );
    expect((await stored('ref_header')).referrer).toBe('https://news.example/story');
    expect((await stored('ref_self')).referrer).toBe(''); // the page's own request: no referrer
    expect((await stored('ref_explicit')).referrer).toBe('https://search.example/?q=x');
  });

  it('UTM keys in the body and the page url fill their columns, with click ids', async () => {
    await post('/tr/v1/tr/', {
      ename: 'utm_body',
      utm_source: 'Newsletter',
      url: 'https://shop.example/?utm_medium=email&utm_campaign=Spring&gclid=G-1&fbclid=F-2&msclkid=M-3',
    });
    expect(await stored('utm_body')).toMatchObject({
      source: 'newsletter',
      medium: 'email',
      campaign: 'spring',
      gclid: 'G-1',
      fbclid: 'F-2',
      msclkid: 'M-3',
    });
  });
});

describe('site write keys', () => {
  it('bind the event to the key’s org, whatever oid the client sent', async () => {
    const res = await post('/tr/v1/tr/', { ename: 'site_a', oid: SITE_B, site_key: 'site_a_public_key' });
    expect(res.status).toBe(200);
    expect(await stored('site_a')).toMatchObject({ oid: SITE_A, org: 'a' });
    await post('/tr/v1/str/', { ename: 'site_a_header' }, { 'x-site-key': 'site_a_public_key' });
    expect(await stored('site_a_header')).toMatchObject({ oid: SITE_A });
  });

  it('refuse an unknown key (401) and an origin the key does not list (403)', async () => {
    const unknown = await post('/tr/v1/tr/', { ename: 'x', site_key: 'nobody_knows_this' });
    expect(unknown.status).toBe(401);
    const origin = await post(
      '/tr/v1/tr/',
      { ename: 'x' },
      { 'x-site-key': 'site_b_public_key', origin: 'https://evil.example' },
    );
    expect(origin.status).toBe(403);
    const ok = await post(
      '/tr/v1/tr/',
      { ename: 'site_b' },
      { 'x-site-key': 'site_b_public_key', origin: 'https://b.example' },
    );
    expect(ok.status).toBe(200);
  });

  // The browser client sends its site key with its consent records as with its events.
  it('bind a consent naming a key to its org, refuse one the key does not allow, and take one without', async () => {
    const vid = '1d2c3b4a-0000-4000-8000-0000000000c1';
    const agree = (body: object, headers: Record<string, string> = {}) =>
      post('/tr/v1/ppi/agree', { vid, cflags: 3, ...body }, headers);
    expect((await agree({ oid: SITE_B, site_key: 'site_a_public_key' })).status).toBe(200);
    expect((await agree({ site_key: 'nobody_knows_this' })).status).toBe(401);
    expect(
      (await agree({}, { 'x-site-key': 'site_b_public_key', origin: 'https://evil.example' })).status,
    ).toBe(403);
    expect((await agree({ oid: SITE_B })).status).toBe(200);
    const rows = () =>
      live.rows<{ oid: string; org: string }>(
        'SELECT toString(oid) AS oid, org FROM agreed WHERE vid = {vid:UUID} ORDER BY created_at, oid',
        { vid },
      );
    await expect.poll(async () => (await rows()).length, { timeout: 10_000 }).toBe(2);
    expect(await rows()).toEqual(
      expect.arrayContaining([
        { oid: SITE_A, org: 'a' },
        { oid: SITE_B, org: '' },
      ]),
    );
  });
});
