import { describe, expect, it, vi } from 'vitest';
import { resolveOptions } from './options.ts';
import type { TrackerOptions } from './types.ts';

const OID = '0a000000-0000-4000-8000-00000000000a';

describe('resolveOptions', () => {
  it('fills the documented defaults and trims the endpoint', () => {
    const o = resolveOptions({ endpoint: 'https://t.example.com/', oid: OID });
    expect(o).toMatchObject({
      endpoint: 'https://t.example.com',
      site: { oid: OID },
      transport: 'http',
      pageviews: true,
      clicks: false,
      outbound: false,
      respectDnt: false,
      credentials: false,
      analyticsBit: 1,
      consent: 0,
      batchSize: 20,
      flushMs: 1000,
      maxQueue: 500,
      retryMs: 1000,
      retryMaxMs: 30_000,
      sessionMs: 1_800_000,
    });
  });

  // A site write key could not be given at all: an ingest with sites.required refused every event.
  it('sends the site key as site_key with the rest of the site identity', () => {
    const o = resolveOptions({ endpoint: 'https://t.example.com', oid: OID, siteKey: 'pk_shop_1234' });
    expect(o.site).toEqual({ oid: OID, site_key: 'pk_shop_1234' });
    expect(() =>
      resolveOptions({ endpoint: 'https://t.example.com', siteKey: 7 as unknown as string }),
    ).toThrow(new TypeError('tracker options: siteKey: must be a string'));
  });

  // A site id that is not a UUID was sent with every event and kept aside by the ingest: the site's
  // events were stored under no site.
  it('refuses an oid that is not a UUID, naming it', () => {
    expect(() => resolveOptions({ endpoint: 'https://t.example.com', oid: 'my-shop' })).toThrow(
      new TypeError('tracker options: oid: must be a UUID'),
    );
    expect(resolveOptions({ endpoint: 'https://t.example.com', oid: OID.toUpperCase() }).site).toEqual({
      oid: OID.toUpperCase(),
    });
  });

  it('resolves consent names through custom bits', () => {
    const o = resolveOptions({
      endpoint: 'http://localhost:8080',
      consentBits: { essential: 0, stats: 4 },
      analyticsBit: 'stats',
      consent: { stats: true },
    });
    expect(o.analyticsBit).toBe(4);
    expect(o.consent).toBe(16);
  });

  it('names every problem at once, unknown keys included', () => {
    const bad = {
      endpoint: 'tracker.example.com',
      click: true,
      batchSize: 0,
      transport: 'udp',
      analyticsBit: 'stats',
      pageviews: 'yes',
    } as unknown as TrackerOptions;
    expect(() => resolveOptions(bad)).toThrow(
      new TypeError(
        'tracker options: click: unknown option; analyticsBit: "stats" is not in consentBits; ' +
          'endpoint: must be an http(s) URL; transport: must be "http" or "websocket"; ' +
          'pageviews: must be true or false; batchSize: must be a positive integer',
      ),
    );
  });

  it('the default onDrop warns with the ingest’s code and its message', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const { onDrop } = resolveOptions({ endpoint: 'https://t.example.com' });
    onDrop({ eid: 'e1', ename: 'signup' }, 'UNAUTHORIZED', 'unknown site key');
    onDrop({ eid: 'e2', ename: 'signup' }, 'QUEUE_FULL');
    expect(warn.mock.calls).toEqual([
      ['tracker: event e1 (signup) dropped: UNAUTHORIZED (unknown site key)'],
      ['tracker: event e2 (signup) dropped: QUEUE_FULL'],
    ]);
    warn.mockRestore();
  });

  it.each(['https://t.example.com/tr/v1', 'https://t.example.com/tr/v1/', 'https://t.example.com/tr/v1/tr/'])(
    'refuses an endpoint that names the API path itself: %s',
    (endpoint) => {
      // regression: batches went to /tr/v1/tr/v1/tr/ and were stored with a junk "v1" property
      expect(() => resolveOptions({ endpoint })).toThrow(`endpoint: the ingest's base URL, without /tr/v1`);
    },
  );

  it('keeps an endpoint with a path of its own (an ingest behind a reverse proxy)', () => {
    expect(resolveOptions({ endpoint: 'https://shop.example/tracker/' }).endpoint).toBe(
      'https://shop.example/tracker',
    );
  });
});
