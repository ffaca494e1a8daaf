import { describe, expect, it } from 'vitest';
import type { Destinations } from '../../common/config/destinations.ts';
import { matchCapture } from '../destinations/index.ts';
import type { GeoIp } from '../geoip/geoip.ts';
import { createHasher } from '../privacy/hash.ts';
import { isUuid, stableId, ZERO_UUID } from './ids.ts';
import { ja4h } from './ja4h.ts';
import { normaliseEvent } from './normalise.ts';
import { TEST_NOW, testEventDeps, testRequestContext } from './testing/fixtures.ts';
import { parseClientTime, withinSkew } from './time.ts';

const NOW = TEST_NOW;
const VID = '11111111-2222-4333-8444-555555555555';
const deps = testEventDeps;
const ctx = testRequestContext;
const CONSENT = 0b11; // necessary + analytics

describe('normaliseEvent', () => {
  it('generates ids first and uses them everywhere (never a zero UUID vid for a new visitor)', async () => {
    const e = await normaliseEvent({ ename: 'view', cflags: CONSENT }, ctx(), deps());
    expect(isUuid(e.eid) && isUuid(e.vid) && isUuid(e.sid)).toBe(true);
    expect(e.row.vid).toBe(e.vid);
    expect(e.row.sid).toBe(e.vid); // a new visitor's first session id is its vid
    expect(e.row.vid).not.toBe(ZERO_UUID);
    expect(e.newVisitor).toBe(true);
    expect(e.cookies).toBe(true);
  });

  it('keeps a valid client eid (idempotent retries) and vid', async () => {
    const eid = '99999999-2222-4333-8444-555555555555';
    const e = await normaliseEvent({ eid, vid: VID, cflags: CONSENT }, ctx(), deps());
    expect(e.eid).toBe(eid);
    expect(e.vid).toBe(VID);
    expect(e.newVisitor).toBe(false);
  });

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

  it('keeps an invalid vid in params and does not store it as the visitor id', async () => {
    const e = await normaliseEvent(
      { vid: 'batch-test-7', etyp: 'batch_test' },
      ctx({ kind: 'server' }),
      deps(),
    );
    expect(e.vid).toBe(ZERO_UUID);
    expect(e.row.params).toMatchObject({ vid: 'batch-test-7' });
  });

  // Regression: a server event without a vid got a fresh random vid (and sid), so every such event
  // counted as a visitor, and a session, of its own on the dashboards and in the rollups.
  it('a server event names no visitor or session it was not given', async () => {
    const none = await normaliseEvent({ ename: 'signup' }, ctx({ kind: 'server' }), deps());
    expect([none.row.vid, none.row.sid, none.newVisitor, none.cookies]).toEqual([
      ZERO_UUID,
      ZERO_UUID,
      false,
      false,
    ]);
    const known = await normaliseEvent({ ename: 'signup', vid: VID }, ctx({ kind: 'server' }), deps());
    expect([known.row.vid, known.row.sid]).toEqual([VID, ZERO_UUID]);
    const sid = '22222222-2222-4333-8444-555555555555';
    const session = await normaliseEvent({ vid: VID, sid }, ctx({ kind: 'server' }), deps());
    expect([session.row.vid, session.row.sid]).toEqual([VID, sid]);
  });

  // A non-UUID eid used to vanish: neither the row's id nor in params, so the client's id was lost unseen.
  it('keeps an eid that is not a UUID in params and stores the event under a server eid', async () => {
    const e = await normaliseEvent({ eid: 'order-17', ename: 'x' }, ctx({ kind: 'server' }), deps());
    expect(isUuid(e.eid)).toBe(true);
    expect(e.clientEid).toBe(false);
    expect(e.row.params).toMatchObject({ eid: 'order-17' });
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

  describe('consent and cookieless ids', () => {
    it('without analytics consent the vid is a keyed hash of (daily salt, site, IP, UA), no cookie', async () => {
      const d = deps();
      const a = await normaliseEvent({ ename: 'x' }, ctx(), d);
      const b = await normaliseEvent({ ename: 'y' }, ctx(), d);
      expect(a.cookies).toBe(false);
      expect(a.vid).toBe(b.vid);
      const otherSite = await normaliseEvent({}, ctx({ host: 'other.example' }), d);
      expect(otherSite.vid).not.toBe(a.vid);
      const nextDay = await normaliseEvent({}, ctx({ now: NOW + 86_400_000 }), d);
      expect(nextDay.vid).not.toBe(a.vid);
    });

    it('without consent the vid cookie is ignored', async () => {
      const e = await normaliseEvent({ vid: VID }, ctx({ cookieVid: VID }), deps());
      expect(e.vid).not.toBe(VID);
    });

    // A vid or sid the client kept itself (its body, not the cookie) was stored without consent: a
    // persistent id where the visitor had refused one.
    it.each([
      ['no consent data', {}],
      ['consent without the analytics bit', { cflags: 1 }],
    ])(
      'with %s a vid and sid in the body are not used either: the id is the cookieless hash',
      async (_n, c) => {
        const sid = '22222222-2222-4333-8444-555555555555';
        const d = deps();
        const e = await normaliseEvent({ vid: VID, sid, ...c }, ctx(), d);
        const plain = await normaliseEvent({ ...c }, ctx(), d);
        expect(e.vid).toBe(plain.vid);
        expect(e.vid).not.toBe(VID);
        expect(e.row.sid).not.toBe(sid);
        expect(JSON.stringify(e.row)).not.toContain(VID);
      },
    );

    // The Go tracker's clients post their properties in `params`: an email there was stored as sent.
    it('an email, phone or user name inside params is hashed like a top-level one, never kept raw', async () => {
      const d = deps();
      const nested = await normaliseEvent(
        { params: { Email: ' A@X.com ', cell: '+1555', uname: 'bob', note: 'n' } },
        ctx(),
        d,
      );
      const top = await normaliseEvent({ email: 'a@x.com', cell: '+1555', uname: 'bob' }, ctx(), d);
      expect(nested.row.params).toEqual({ ...(top.row.params as object), note: 'n' });
      expect(JSON.stringify(nested.row)).not.toMatch(/a@x\.com|\+1555|bob/i);
    });

    it('a server event keeps the vid it names', async () => {
      const e = await normaliseEvent({ vid: VID }, ctx({ kind: 'server' }), deps());
      expect(e.vid).toBe(VID);
    });
  });

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

describe('time', () => {
  it.each([
    ['2025-05-01T12:00:00Z', NOW],
    ['2025-05-01T14:00:00+02:00', NOW],
    [NOW, NOW],
    [String(NOW), NOW],
    ['yesterday', undefined],
    [1.5, undefined],
    [-1, undefined],
  ])('parseClientTime(%s)', (v, expected) => expect(parseClientTime(v)).toBe(expected));
  it('withinSkew', () => {
    expect(withinSkew(NOW - 10, NOW, 100)).toBe(NOW - 10);
    expect(withinSkew(NOW - 1000, NOW, 100)).toBeUndefined();
  });
});

describe('ids', () => {
  it('stableId is deterministic and a UUID', () => {
    expect(stableId('a', 'b')).toBe(stableId('a', 'b'));
    expect(stableId('a', 'b')).not.toBe(stableId('ab', ''));
    expect(isUuid(stableId('x'))).toBe(true);
  });
});

describe('ja4h', () => {
  it('follows the JA4H layout', () => {
    const fp = ja4h('GET', '1.1', [
      'Host',
      'x',
      'User-Agent',
      'ua',
      'Accept-Language',
      'en-US,en;q=0.9',
      'Cookie',
      'b=2; a=1',
      'Referer',
      'https://r',
    ]);
    const [a, b, c, d] = fp.split('_');
    expect(a).toBe('ge11cr03enus');
    expect(b).toHaveLength(12);
    expect(c).toHaveLength(12);
    expect(d).toBe('000000000000'); // the cookie values' part: never a per-person hash
    expect(ja4h('POST', '2.0', ['Host', 'x'])).toMatch(/^po20nn010000_[0-9a-f]{12}_0{12}_0{12}$/);
  });

  // The stored fingerprints do not change when the code computing them does (values as the Go tracker's
  // layout gave them before cookie-less and language-less requests took a shorter path).
  it.each([
    [
      [
        'GET',
        '1.1',
        [
          'Host',
          'x',
          'User-Agent',
          'ua',
          'Accept-Language',
          'en-US,en;q=0.9',
          'Cookie',
          'b=2; a=1',
          'Referer',
          'https://r',
        ],
      ],
      'ge11cr03enus_ea59799162d6_1eb7c54d5283_000000000000',
    ],
    [['POST', '2.0', ['Host', 'x']], 'po20nn010000_4a823118b9ba_000000000000_000000000000'],
    [
      ['POST', '1.1', ['host', 'x', 'cookie', '', 'accept-language', '', 'Content-Type', 'text/plain']],
      'po11nn030000_f68eebbc1ba4_000000000000_000000000000',
    ],
    [
      ['PUT', '1.0', ['Host', 'x', 'Cookie', ' ; ;', 'ACCEPT-LANGUAGE', 'de;q=1', 'COOKIE', 'z=1']],
      'pu10cn02de00_21785bcb2aa5_594e519ae499_000000000000',
    ],
    [
      ['GET', '3', ['Host', 'x', 'Accept-Language', '*', 'Referer', '']],
      'ge30nr02*000_09e340ee0db0_000000000000_000000000000',
    ],
  ] as const)('%j → %s', ([method, version, headers], expected) => {
    expect(ja4h(method, version, headers)).toBe(expected);
  });
});

describe('match keys for ad platforms (the ad_match column)', () => {
  const BITS = { necessary: 0, analytics: 1, marketing: 2 };
  const destinations = { facebook: [{ consent: ['marketing'] }] } as unknown as Destinations;
  const capture = matchCapture(destinations, BITS);
  const withCapture = () => deps(capture === undefined ? {} : { matchCapture: capture });
  const raw = {
    ename: 'lead',
    email: ' John_Smith@gmail.com',
    cell: '+1 (650) 555-1212',
    _fbp: 'fb.1.1700000000000.42', // the cookie, as collect.ts reads it
  };

  // Fixed ids keep the row the same on every run; they carry the phone's area code so that a check that
  // mistook an id for a leaked number would fail every time rather than once in a few hundred runs.
  const ids = {
    eid: '65065065-0650-4650-8650-650650650651',
    vid: '65065065-0650-4650-8650-650650650650',
    sid: '65065065-0650-4650-8650-650650650652',
  };
  const rawForms = ['john_smith', 'gmail.com', '(650) 555-1212', '555-1212', '6505551212'];

  it('are kept with the marketing bit: hashed email and phone, cookies, user agent; never the raw values', async () => {
    const e = await normaliseEvent({ ...raw, ...ids, cflags: 7 }, ctx(), withCapture());
    expect(e.row.ad_match).toEqual({
      em: '62a14e44f765419d10fea99367361a727c12365e2520f32218d505ed9aa0f62f',
      ph: 'e323ec626319ca94ee8bff2e4c87cf613be6ea19919ed1364124e16807ab3176',
      fbp: 'fb.1.1700000000000.42',
      ua: 'Mozilla/5.0 Test',
    });
    const written = JSON.stringify(e.row).toLowerCase();
    for (const form of rawForms) expect(written).not.toContain(form);
  });

  it('are not kept without it, nor without consent data, nor when no destination needs them', async () => {
    for (const [cflags, d] of [
      [3, withCapture()],
      [undefined, withCapture()],
      [7, deps()],
    ] as const) {
      const e = await normaliseEvent({ ...raw, ...(cflags === undefined ? {} : { cflags }) }, ctx(), d);
      expect(e.row.ad_match).toBeUndefined();
      // the _fbp cookie is kept nowhere else either
      expect(JSON.stringify(e.row)).not.toContain('fb.1.1700000000000.42');
    }
  });

  it("are written by the ingest only: a client's own ad_match or fbp is an ordinary param", async () => {
    const input = { ename: 'x', cflags: 3, ad_match: { em: 'f' }, fbp: 'fb.1.1.body' };
    const e = await normaliseEvent(input, ctx(), withCapture());
    expect(e.row.ad_match).toBeUndefined();
    expect(e.row.params).toMatchObject({ ad_match: { em: 'f' }, fbp: 'fb.1.1.body' });
    // with consent, the event's own fbp wins over the cookie
    const c = await normaliseEvent({ ...raw, cflags: 4, fbp: 'fb.1.2.body' }, ctx(), withCapture());
    expect((c.row.ad_match as Record<string, unknown>).fbp).toBe('fb.1.2.body');
  });

  it('ignore a cookie value that is not in Facebook’s format', () => {
    expect(capture?.(4, { fbp: 'fb.1.123.abc', fbc: '<script>', userAgent: '' })).toEqual({
      fbp: 'fb.1.123.abc',
    });
    expect(capture?.(4, { userAgent: '' })).toBeUndefined();
  });
});
