// The client in a real browser (headless Chromium) against the real ingest process: consent decides
// identifiers and storage and is recorded at the ingest, consent queued before the script loaded holds for
// its first page view, and Do-Not-Track/GPC silences the client when configured.
import { describe, expect, it } from 'vitest';
import type { Tracker } from './src/types.ts';
import {
  CONSENT_SITE_KEY,
  CONSENT_SITE_OID,
  ingest,
  latestConsent,
  openApp,
  storageKeys,
  storedEvents,
  tracker,
  useBrowserSuite,
} from './testing/browser-suite.ts';

useBrowserSuite();

describe('browser client (headless Chromium, real ingest process)', () => {
  it('consent and a user id queued before the script loaded hold for its first page view', async () => {
    const UID = '6f1f7a5e-8f0c-4a1d-9a8e-2b1f0c3d4e5f';
    const { context, page, oid } = await openApp({}, () => {
      (window as unknown as { tracker: { q: unknown[][] } }).tracker = {
        q: [
          ['track', 'early'],
          ['consent', { necessary: true, analytics: true }],
          ['identify', '6f1f7a5e-8f0c-4a1d-9a8e-2b1f0c3d4e5f'],
        ],
      };
    });
    await tracker(page).settle();
    await context.close();
    const rows = await storedEvents(oid);
    expect(rows.map((r) => [r.ename, Number(r.cflags)]).sort()).toEqual([
      ['early', 3],
      ['page_view', 3],
    ]);
    expect(new Set(rows.map((r) => r.visitor)).size).toBe(1);
    const uids = await ingest.query<{ uid: string }>(
      'SELECT toString(uid) AS uid FROM events WHERE oid = {oid:UUID}',
      { oid },
    );
    expect(uids.map((u) => u.uid)).toEqual([UID, UID]);
  });

  it('consent decides identifiers and storage, and withdrawing it deletes them', async () => {
    const { context, page, oid } = await openApp({});
    const t = tracker(page);
    await t.track('before');
    await t.settle();
    expect(await storageKeys(page)).toEqual([]);
    expect(await page.evaluate(() => document.cookie)).toBe('');

    await t.consent({ necessary: true, analytics: true });
    await t.track('granted');
    await t.settle();
    const vid = await page.evaluate(() => JSON.parse(localStorage.getItem('_trk_id') ?? '{}').vid as string);
    expect(await page.evaluate(() => document.cookie)).toBe('CookieConsent=3');

    await t.consent(1);
    expect(await storageKeys(page)).toEqual([]);
    await t.track('withdrawn');
    await t.settle();
    expect(await storageKeys(page)).toEqual([]);
    await context.close();

    const rows = await storedEvents(oid);
    const by = Object.fromEntries(rows.map((r) => [r.ename, r]));
    expect(rows.map((r) => r.ename)).toEqual(['page_view', 'before', 'granted', 'withdrawn']);
    expect(by.granted?.visitor).toBe(vid);
    expect(Number(by.granted?.cflags)).toBe(3);
    // without analytics consent the ingest records the visitor cookieless: never the client's id
    for (const name of ['page_view', 'before', 'withdrawn']) expect(by[name]?.visitor).not.toBe(vid);
    expect(Number(by.withdrawn?.cflags)).toBe(1);
  });

  // consent() only set the CookieConsent cookie and the cflags of later events: the ingest kept no record
  // of the decision, and GET /ppi/agree?vid= answered 404 for a visitor who had agreed.
  it('consent() records each decision at the ingest, retried while it is down', async () => {
    const { context, page } = await openApp({
      'site-key': CONSENT_SITE_KEY,
      'retry-ms': '200',
      'retry-max-ms': '1000',
    });
    const t = tracker(page);
    await t.consent({ necessary: true, analytics: true });
    await t.track('agreed');
    await t.settle();
    const vid = await page.evaluate(() => JSON.parse(localStorage.getItem('_trk_id') ?? '{}').vid as string);
    expect(await latestConsent(vid)).toMatchObject({
      status: 200,
      vid,
      cflags: 3,
      granted: ['necessary', 'analytics'],
    });

    await ingest.stop();
    await t.consent(1); // withdrawn while the ingest is down: the record waits in the queue
    await page.evaluate(() => void (window as unknown as { tracker: Tracker }).tracker.flush());
    expect(await t.pending()).toBe(1);
    const restarted = Date.now();
    await ingest.start();
    await page.waitForFunction(
      () => (window as unknown as { tracker: Tracker }).tracker.pending() === 0,
      null,
      {
        timeout: 30_000,
      },
    );
    // the withdrawal is recorded for the visitor who withdrew, though the client forgot the id
    expect(await latestConsent(vid)).toMatchObject({ status: 200, vid, cflags: 1, granted: ['necessary'] });
    // a consent manager repeating the stored decision (on every page) is no new decision
    await t.consent(1);
    expect(await t.pending()).toBe(0);
    await context.close();
    await ingest.stop();
    const history = await ingest.query<{ cflags: number; oid: string; decided: number; arrived: number }>(
      `SELECT cflags, toString(oid) AS oid, toUnixTimestamp64Milli(created_at) AS decided,
        toUnixTimestamp64Milli(updated_at) AS arrived FROM agreed WHERE vid = {vid:UUID} ORDER BY created_at`,
      { vid },
    );
    // the site key binds the consent to its org, as it binds the site's events
    expect(history.map((r) => [Number(r.cflags), r.oid])).toEqual([
      [3, CONSENT_SITE_OID],
      [1, CONSENT_SITE_OID],
    ]);
    // the withdrawal is dated when the visitor made it, before the outage ended, not when it was delivered
    const withdrawal = history[1];
    expect(Number(withdrawal?.decided)).toBeLessThan(restarted);
    expect(Number(withdrawal?.arrived)).toBeGreaterThanOrEqual(restarted);
  });

  it('with respectDnt, Global Privacy Control or Do-Not-Track silences the client', async () => {
    for (const signal of [
      () => Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { get: () => true }),
      () => Object.defineProperty(Navigator.prototype, 'doNotTrack', { get: () => '1' }),
    ]) {
      const { context, page, oid } = await openApp({ consent: '3', 'respect-dnt': '', clicks: '' }, signal);
      const sent: string[] = [];
      page.on('request', (r) => {
        if (r.url().startsWith(ingest.url)) sent.push(r.url());
      });
      expect(await tracker(page).track('ignored')).toBeUndefined();
      await page.click('#buy');
      await page.evaluate(() => (window as unknown as { tracker: Tracker }).tracker.flush());
      expect(await tracker(page).pending()).toBe(0);
      expect(await storageKeys(page)).toEqual([]);
      await page.close({ runBeforeUnload: true });
      await context.close();
      expect(sent).toEqual([]);
      expect(await storedEvents(oid)).toEqual([]);
      await ingest.start();
    }
  });
});
