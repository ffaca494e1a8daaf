import { describe, expect, it } from 'vitest';
import type { GeoIp } from '../geoip/geoip.ts';
import { createHasher } from '../privacy/hash.ts';
import { normaliseEvent } from './normalise.ts';
import { CONSENT, ctx, deps, NOW, VID } from './testing/normalise.ts';

describe('normaliseEvent', () => {
  it('lower-cases only enum-like fields (never URLs, messages or dates)', async () => {
    const e = await normaliseEvent(
      {
        ename: ' Sign_Up ',
        etyp: 'CLICK',
        url: 'https://Shop.example/Path?Q=A',
        msg: 'Hello World',
        xid: 'AbC',
      },
      ctx(),
      deps(),
    );
    expect(e.row).toMatchObject({
      ename: 'sign_up',
      etyp: 'click',
      url: 'https://Shop.example/Path?Q=A',
      xid: 'AbC',
    });
    expect(e.row.params).toMatchObject({ msg: 'Hello World' });
  });

  it('keeps keys named like Object.prototype members in params as sent', async () => {
    // JSON.parse makes "__proto__" an own key; assigned to a plain object it would replace the prototype
    const raw = JSON.parse('{"ename":"x","__proto__":{"uid":"z"},"constructor":"y","toString":"t"}');
    const e = await normaliseEvent(raw, ctx(), deps());
    const params = e.row.params as Record<string, unknown>;
    expect(Object.getPrototypeOf(params)).toBe(Object.prototype);
    expect(Object.entries(params)).toEqual([
      ['__proto__', { uid: 'z' }],
      ['constructor', 'y'],
      ['toString', 't'],
    ]);
    expect(e.row.uid).toBeUndefined();
  });

  it('keeps every unknown key losslessly in params (custom POST keys included)', async () => {
    const e = await normaliseEvent(
      { ename: 'x', plan: 'Pro', qty: 3, nested: { a: [1, 2] }, params: { from_params: true } },
      ctx(),
      deps(),
    );
    expect(e.row.params).toEqual({ from_params: true, plan: 'Pro', qty: 3, nested: { a: [1, 2] } });
  });

  it('stores tz, culture, gaid, vp_w/vp_h instead of dropping them', async () => {
    const e = await normaliseEvent({ tz: 'Europe/Berlin', gaid: 'G-1', w: '1280', h: 720 }, ctx(), deps());
    expect(e.row).toMatchObject({
      tz: 'Europe/Berlin',
      gaid: 'G-1',
      vp_w: 1280,
      vp_h: 720,
      culture: 'en-GB',
    });
  });

  it('does not guess epoch seconds (a 10-digit number is not multiplied by 1000)', async () => {
    const e = await normaliseEvent({ phone_id: '1234567890', order_ref: 1234567890 }, ctx(), deps());
    expect(e.row.params).toEqual({ phone_id: '1234567890', order_ref: 1234567890 });
  });

  it('accepts a client timestamp within the skew window and always keeps server time', async () => {
    const near = new Date(NOW - 30_000).toISOString();
    const e = await normaliseEvent({ time: near }, ctx(), deps());
    expect(e.row.created_at).toBe('2025-05-01 11:59:30.000');
    expect(e.row.received_at).toBe('2025-05-01 12:00:00.000');
    const far = await normaliseEvent({ time: NOW - 3_600_000 }, ctx(), deps());
    expect(far.row.created_at).toBe('2025-05-01 12:00:00.000');
    expect(far.row.params).toEqual({ time: NOW - 3_600_000 });
  });

  it('hashes email/cell/uname with the keyed HMAC and never stores them raw', async () => {
    const e = await normaliseEvent(
      { email: ' A@Example.com', cell: '+15550100', uname: 'bob' },
      ctx(),
      deps(),
    );
    const json = JSON.stringify(e.row);
    expect(json).not.toMatch(/example\.com|15550100|bob/i);
    const p = e.row.params as Record<string, string>;
    const same = await normaliseEvent({ email: 'a@example.com' }, ctx(), deps());
    expect(p.ehash).toBe((same.row.params as Record<string, string>).ehash);
    const otherKey = await normaliseEvent(
      { email: 'a@example.com' },
      ctx(),
      deps({ hasher: createHasher(Buffer.alloc(32, 8)) }),
    );
    expect((otherKey.row.params as Record<string, string>).ehash).not.toBe(p.ehash);
    expect(p.chash).toBeTypeOf('string');
    expect(p.uhash).toBeTypeOf('string');
  });

  it('accepts cflags from query/path strings', async () => {
    const e = await normaliseEvent({ cflags: '3' }, ctx(), deps());
    expect(e.row.cflags).toBe(3);
    expect(e.cookies).toBe(true);
  });

  // -1 was stored as the mask, and every bitTest of it (the dashboards' consent shares) read as consent.
  it('keeps a negative cflags in params: no consent column, no cookies', async () => {
    for (const cflags of [-1, '-4']) {
      const e = await normaliseEvent({ cflags }, ctx(), deps());
      expect(e.row.cflags).toBeUndefined();
      expect(e.row.params).toEqual({ cflags });
      expect(e.cookies).toBe(false);
    }
  });

  it('maps utm_content to ename when ename is absent (tracked-URL generator)', async () => {
    const e = await normaliseEvent({ content: 'Promo_Click' }, ctx(), deps());
    expect(e.row.ename).toBe('promo_click');
    expect(e.row.content).toBeUndefined();
  });

  it('derives country from the time zone; explicit values win over tz and GeoIP', async () => {
    const geo: GeoIp = {
      enabled: true,
      lookup: async () => ({ country: 'US', region: 'CA', city: 'SF' }),
      range: async () => undefined,
      close: async () => {},
    };
    const tz = await normaliseEvent({ tz: 'Europe/Paris' }, ctx(), deps({ geo }));
    expect(tz.row).toMatchObject({ country: 'FR', region: 'CA', city: 'SF' });
    const explicit = await normaliseEvent(
      { tz: 'Europe/Paris', country: 'de', city: 'Köln' },
      ctx(),
      deps({ geo }),
    );
    expect(explicit.row).toMatchObject({ country: 'DE', city: 'Köln' });
    const geoOnly = await normaliseEvent({}, ctx(), deps({ geo }));
    expect(geoOnly.row.country).toBe('US');
  });

  it.each([
    ['the page itself', 'https://shop.example/a?b=1', 'https://shop.example/a?b=1', ''],
    ['the page’s origin (cross-origin ingest)', 'https://Shop.example/', 'https://shop.example/a', ''],
    ['the page without its route (hash router)', 'https://shop.example/', 'https://shop.example/#/a', ''],
    ['another site', 'https://news.example/story', 'https://shop.example/a', 'https://news.example/story'],
    ['another port', 'https://shop.example:8443/', 'https://shop.example/a', 'https://shop.example:8443/'],
    ['a page of an event without url', 'https://shop.example/a', undefined, 'https://shop.example/a'],
  ])(
    'takes the Referer header as the referrer unless it names the sending page: %s',
    async (_n, referer, url, want) => {
      // regression: a browser sends a cross-origin ingest only the page's origin as Referer, which was
      // stored as the referrer of every event, the site referring to itself
      const e = await normaliseEvent({ ename: 'x', ...(url ? { url } : {}) }, ctx({ referer }), deps());
      expect(e.row.referrer ?? '').toBe(want);
    },
  );

  it.each([
    ['keep', '203.0.113.77'],
    ['truncate', '203.0.113.0'],
    ['drop', ''],
  ] as const)('IP mode %s stores ip=%s', async (ipMode, stored) => {
    const e = await normaliseEvent({}, ctx(), deps({ ipMode }));
    expect(e.row.ip).toBe(stored);
    expect(e.row.iphash === '').toBe(ipMode === 'drop');
  });

  it('a request without Host does not crash (an empty host still hashes)', async () => {
    const e = await normaliseEvent({}, ctx({ host: '' }), deps());
    expect(e.row.hhash).toBe('');
  });

  it("writes the row's keys in one order: the event's columns as given, the request's, the ids, the times, params", async () => {
    const sid = '22222222-2222-4333-8444-555555555555';
    const e = await normaliseEvent(
      { sid, ename: 'view', vid: VID, plan: 'pro', cflags: CONSENT },
      ctx(),
      deps(),
    );
    // a vid or sid the event gives keeps the place it had among the event's columns
    expect(Object.keys(e.row)).toEqual([
      ...['sid', 'ename', 'vid', 'cflags', 'bot', 'browser', 'browser_version', 'culture', 'country'],
      ...['hhash', 'ip', 'iphash', 'bhash', 'ja4h', 'eid', 'client_eid'],
      ...['created_at', 'received_at', 'params'],
    ]);
    expect([e.row.vid, e.row.sid]).toEqual([VID, sid]);
  });

  it('server events carry no browser data', async () => {
    const e = await normaliseEvent({}, ctx({ kind: 'server' }), deps());
    expect(e.row.browser).toBeUndefined();
    expect(e.row.bhash).toBeUndefined();
    expect(e.row.culture).toBeUndefined();
  });
});
