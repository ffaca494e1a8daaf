import { describe, expect, it } from 'vitest';
import type { Destinations } from '../../common/config/destinations.ts';
import { matchCapture } from '../destinations/index.ts';
import { normaliseEvent } from './normalise.ts';
import { ctx, deps } from './testing/normalise.ts';

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
