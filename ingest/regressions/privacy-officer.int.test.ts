// What a privacy officer found reading the stored rows back: the IP hash of truncate mode hashed the whole
// address (with the key, the stored /24 gave it back in 256 tries); the stored header fingerprint (ja4h)
// held an unkeyed hash of the request's cookie values (the visitor's id, a site's session token), a
// stable identifier of a cookieless visitor; page URLs and referrers kept emails and tokens from their
// query strings in events and every rollup; a visitor who withdrew analytics consent kept the vid and
// vtok cookies for a year; a consent row kept the raw user agent. Real HTTP, real data path, chdb.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Live, startLive } from '../testing/live.ts';

let live: Live;
beforeAll(async () => {
  live = await startLive({ privacy: { ipMode: 'truncate' } });
});
afterAll(() => live.close());

const track = (body: object, headers: Record<string, string>) =>
  live.post('/tr/v1/tr/', body, { 'user-agent': 'Mozilla/5.0 Officer', ...headers });

/** The rows `sql` finds once there are `n` of them. */
async function stored<T>(sql: string, params: Record<string, unknown>, n = 1): Promise<T[]> {
  await expect.poll(async () => (await live.rows(sql, params)).length, { timeout: 10_000 }).toBe(n);
  return live.rows<T>(sql, params);
}

describe('privacy: what the stored rows hold', () => {
  it('truncate mode: two addresses of one /24 have one IP hash, in events and consent rows', async () => {
    for (const [n, ip] of [
      [1, '203.0.113.77'],
      [2, '203.0.113.5'],
    ] as const) {
      const res = await track({ ename: `iphash_${n}` }, { 'x-forwarded-for': ip });
      expect(res.status).toBe(200);
      const vid = `a9000000-0000-4000-8000-00000000010${n}`;
      expect(
        (await live.post('/tr/v1/ppi/agree', { vid, cflags: 1 }, { 'x-forwarded-for': ip })).status,
      ).toBe(200);
    }
    const events = await stored<{ ip: string; iphash: string }>(
      "SELECT ip, iphash FROM events WHERE ename LIKE 'iphash_%'",
      {},
      2,
    );
    expect(events.map((r) => r.ip)).toEqual(['203.0.113.0', '203.0.113.0']);
    expect(new Set(events.map((r) => r.iphash)).size).toBe(1);
    const agreed = await stored<{ iphash: string }>(
      "SELECT iphash FROM agreed WHERE toString(vid) LIKE 'a9000000-0000-4000-8000-00000000010%'",
      {},
      2,
    );
    expect(new Set(agreed.map((r) => r.iphash)).size).toBe(1);
  });

  it('a consent row keeps the browser name, never the raw user agent (as events)', async () => {
    const vid = 'a9000000-0000-4000-8000-000000000501';
    const ua = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0 Unique/42';
    expect((await live.post('/tr/v1/ppi/agree', { vid, cflags: 1 }, { 'user-agent': ua })).status).toBe(200);
    const [row] = await stored<{ browser: string; bhash: string }>(
      'SELECT browser, bhash FROM agreed WHERE vid = {vid:UUID}',
      { vid },
    );
    expect(row).toEqual({ browser: 'Firefox', bhash: expect.stringMatching(/^[0-9a-z]+$/) });
  });

  it('the header fingerprint holds no hash of cookie values: two visitors with one browser have one ja4h', async () => {
    for (const n of [1, 2]) {
      const cookie = `vid=a9000000-0000-4000-8000-00000000020${n}; session=secret-${n}`;
      expect((await track({ ename: `ja4h_${n}` }, { cookie })).status).toBe(200);
    }
    const rows = await stored<{ ja4h: string }>("SELECT ja4h FROM events WHERE ename LIKE 'ja4h_%'", {}, 2);
    expect(new Set(rows.map((r) => r.ja4h)).size).toBe(1);
    expect(rows[0]?.ja4h).toMatch(/_[0-9a-f]{12}_[0-9a-f]{12}_0{12}$/);
  });

  it('emails and tokens in page URLs and referrers reach no table', async () => {
    const url = 'https://shop.example/reset?email=alice@example.com&token=secret123&plan=pro';
    const last = 'https://mail.example/?access_token=tok999#id_token=jwt1';
    const res = await track(
      { ename: 'url_pii', url, last },
      { referer: 'https://other.example/?e=bob@example.com' },
    );
    expect(res.status).toBe(200);
    const [row] = await stored<{ url: string; last: string; referrer: string; vid: string }>(
      "SELECT url, last, referrer, toString(vid) AS vid FROM events WHERE ename = 'url_pii'",
      {},
    );
    expect(row).toMatchObject({
      url: 'https://shop.example/reset?email=redacted&token=redacted&plan=pro',
      last: 'https://mail.example/?access_token=redacted#id_token=redacted',
      referrer: 'https://other.example/?e=redacted',
    });
    const agreedUrl = 'https://shop.example/consent?email=carol@example.com';
    const vid = 'a9000000-0000-4000-8000-000000000301';
    expect((await live.post('/tr/v1/ppi/agree', { vid, cflags: 1, url: agreedUrl })).status).toBe(200);
    await stored('SELECT 1 FROM agreed WHERE vid = {vid:UUID}', { vid });
    const secrets = ['alice@', 'secret123', 'tok999', 'jwt1', 'bob@', 'carol@'];
    for (const table of ['events', 'hits', 'referrers', 'sessions', 'visitors', 'agreed', 'agreements']) {
      const found = await live.rows<{ n: string }>(
        `SELECT count() AS n FROM ${table} WHERE multiSearchAny(toString(tuple(*)), {s:Array(String)})`,
        { s: secrets },
      );
      expect({ table, n: Number(found[0]?.n) }).toEqual({ table, n: 0 });
    }
  });

  // The browser client's click and outbound events name the link in `params.href`, which was stored as
  // sent: a password-reset link on the page, a mailto: address.
  it("emails and tokens in a clicked link's href reach no table", async () => {
    const links = ['https://shop.example/reset?token=linksecret7', 'mailto:dave@example.com'];
    for (const [i, href] of links.entries())
      expect((await track({ ename: `href_pii_${i}`, etyp: 'click', href }, {})).status).toBe(200);
    const rows = await stored<{ href: string }>(
      "SELECT toString(params.href) AS href FROM events WHERE ename LIKE 'href_pii_%' ORDER BY ename",
      {},
      2,
    );
    expect(rows.map((r) => r.href)).toEqual(['https://shop.example/reset?token=redacted', 'mailto:redacted']);
    const found = await live.rows<{ n: string }>(
      'SELECT count() AS n FROM events WHERE multiSearchAny(toString(tuple(*)), {s:Array(String)})',
      { s: ['linksecret7', 'dave@'] },
    );
    expect(Number(found[0]?.n)).toBe(0);
  });

  it('withdrawing analytics consent expires the vid and vtok cookies the browser still sends', async () => {
    const cookie = 'vid=a9000000-0000-4000-8000-000000000401; vtok=abc; CookieConsent=1';
    for (const res of [
      await track({ ename: 'withdrawn' }, { cookie }),
      await live.post('/tr/v1/ppi/agree', { cflags: 1 }, { cookie }),
      await fetch(`${live.url}/tr/v1/img/?ename=withdrawn`, { headers: { cookie } }),
    ]) {
      expect(res.status).toBe(200);
      const set = res.headers.getSetCookie();
      expect(set).toHaveLength(2);
      expect(set.find((c) => c.startsWith('vid=;'))).toMatch(/Max-Age=0; Path=\/; Secure; SameSite=Lax$/);
      expect(set.find((c) => c.startsWith('vtok=;'))).toMatch(
        /Max-Age=0; Path=\/; HttpOnly; Secure; SameSite=Lax$/,
      );
    }
    // a request without those cookies gets no Set-Cookie at all
    const fresh = await track({ ename: 'never_consented' }, { cookie: 'CookieConsent=1' });
    expect(fresh.headers.getSetCookie()).toEqual([]);
  });
});
