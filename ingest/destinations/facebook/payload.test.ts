// A stored row → a Conversions API server event, and what Facebook's answers mean for the events.
import { describe, expect, it } from 'vitest';
import { FacebookDestination } from '../../../common/config/destinations.ts';
import { defaultsOf } from '../../../common/config/loader.ts';
import { eventTimeMs } from '../select.ts';
import { requestBody, serverEvent } from './payload.ts';
import { eventsUrl, refine } from './sender.ts';
import { sha256Hex } from './user-data.ts';

const destination = (over: Partial<FacebookDestination> = {}): FacebookDestination => ({
  ...defaultsOf<FacebookDestination>(FacebookDestination),
  name: 'fb',
  pixelId: '123',
  accessTokenFile: '/run/secrets/token',
  ...over,
});
const UID = '6f1f7a5e-8f0c-4a1d-9a8e-2b1f0c3d4e5f';
const row = {
  eid: '018f0000-0000-7000-8000-000000000001',
  vid: '018f0000-0000-7000-8000-0000000000aa',
  uid: UID,
  ename: 'page_view',
  etyp: 'view',
  created_at: '2026-05-01 12:00:00.123',
  url: 'https://shop.example/p?fbclid=ABC',
  referrer: 'https://search.example/',
  ip: '203.0.113.0',
  city: 'Menlo Park',
  region: 'California',
  zip: '94035',
  country: 'US',
  fbclid: 'ABC',
  cflags: 7,
  params: { value: 12.5, currency: 'EUR', plan: 'pro' },
  ad_match: { em: 'e'.repeat(64), ua: 'UA/1' },
};

describe('serverEvent', () => {
  it('maps the row onto the Conversions API fields', () => {
    const e = serverEvent(row, destination());
    expect(e).toEqual({
      event_name: 'PageView',
      event_time: Date.UTC(2026, 4, 1, 12, 0, 0) / 1000,
      event_id: row.eid,
      action_source: 'website',
      event_source_url: row.url,
      referrer_url: row.referrer,
      custom_data: { value: 12.5, currency: 'EUR' },
      user_data: {
        em: 'e'.repeat(64),
        client_user_agent: 'UA/1',
        ct: sha256Hex('menlopark'),
        st: sha256Hex('ca'),
        zp: sha256Hex('94035'),
        country: sha256Hex('us'),
        external_id: sha256Hex(UID),
        client_ip_address: '203.0.113.0',
        fbc: `fb.1.${Date.UTC(2026, 4, 1, 12, 0, 0, 123)}.ABC`,
      },
    });
  });

  it('names custom events as they are, honours an event action_source, identifies by vid without a uid', () => {
    const e = serverEvent(
      {
        ...row,
        ename: 'trial_started',
        uid: '00000000-0000-0000-0000-000000000000',
        params: { action_source: 'app' },
      },
      destination({ eventNames: {} }),
    );
    expect(e.event_name).toBe('trial_started');
    expect(e.action_source).toBe('app');
    expect((e.user_data as { external_id: string }).external_id).toBe(sha256Hex(row.vid));
    expect(e.custom_data).toBeUndefined();
  });

  // A server event without a vid is stored with the zero vid: every such event of every site would have
  // been sent as one and the same person.
  it('sends no external_id for an event that names neither a user nor a visitor', () => {
    const zero = '00000000-0000-0000-0000-000000000000';
    const e = serverEvent({ ...row, uid: zero, vid: zero }, destination());
    expect(e.user_data).not.toHaveProperty('external_id');
  });

  it('prefers the _fbc cookie to an fbclid, and ignores an invalid action source', () => {
    const e = serverEvent(
      { ...row, ad_match: { fbc: 'fb.1.1.COOKIE' }, params: { action_source: 'telepathy' } },
      destination(),
    );
    expect((e.user_data as { fbc: string }).fbc).toBe('fb.1.1.COOKIE');
    expect(e.action_source).toBe('website');
  });

  it('reads created_at as UTC whatever its spelling', () => {
    expect(eventTimeMs({ created_at: '2026-05-01 12:00:00.123' })).toBe(Date.UTC(2026, 4, 1, 12, 0, 0, 123));
    expect(eventTimeMs({ created_at: '2026-05-01T12:00:00.123Z' })).toBe(Date.UTC(2026, 4, 1, 12, 0, 0, 123));
  });
});

describe('the request', () => {
  it('carries the events and the test code; the token goes in a header, never in the URL or body', () => {
    const d = destination({ testEventCode: 'TEST1', graphApiUrl: 'https://graph.example/' });
    const body = JSON.parse(requestBody([row, row], d)) as { data: unknown[]; test_event_code: string };
    expect(body.data).toHaveLength(2);
    expect(body.test_event_code).toBe('TEST1');
    expect(Object.keys(body)).not.toContain('access_token');
    expect(eventsUrl(d)).toBe('https://graph.example/v27.0/123/events');
  });
});

const graphError = (code: number, extra: object = {}) =>
  JSON.stringify({
    error: { message: `error ${code}`, type: 'OAuthException', code, fbtrace_id: 'x', ...extra },
  });

describe("Facebook's answers", () => {
  it.each([
    [200, '{"events_received":2}', 'sent'],
    [400, graphError(100, { error_user_msg: 'event_time too old' }), 'refused'],
    [400, graphError(2, { is_transient: true }), 'retry'],
    [400, graphError(17), 'retry'], // user request limit
    [400, graphError(80004), 'retry'], // too many calls to this ad account
    [400, graphError(190), 'retry'], // invalid or expired token: the events wait for a new one
    [403, graphError(200), 'retry'], // permission missing
    [429, '', 'retry'],
    [500, 'oops', 'retry'],
    [503, graphError(1), 'retry'],
    [404, 'not found', 'refused'],
    [413, '', 'refused'],
  ] as const)('HTTP %i %s → %s', (status, text, kind) => {
    expect(refine({ status, text }).kind).toBe(kind);
  });

  it('names the Graph API error in the reason, and keeps Retry-After', () => {
    expect(refine({ status: 400, text: graphError(100, { error_user_msg: 'bad event' }) })).toEqual({
      kind: 'refused',
      reason: 'Facebook error 100: bad event',
    });
    expect(refine({ status: 429, text: '', retryAfterMs: 3000 })).toMatchObject({
      kind: 'retry',
      retryAfterMs: 3000,
    });
  });
});
