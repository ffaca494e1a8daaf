// The client in a real browser (headless Chromium) against the real ingest process on the embedded engine:
// a page carrying the script tag is loaded, navigated as a single-page app, clicked, left and closed; the
// store then holds every event exactly once. Also: events made while the ingest is down are retried with
// the same eids and stored once; the WebSocket transport delivers LZ4 frames; a site key binds the events
// to its org. Consent and Do-Not-Track are in browser-consent.int.test.ts.
import { describe, expect, it } from 'vitest';
import type { Tracker } from './src/types.ts';
import {
  acknowledged,
  ingest,
  openApp,
  path,
  SITE_KEY,
  SITE_KEY_OID,
  storedEvents,
  tracker,
  useBrowserSuite,
} from './testing/browser-suite.ts';

useBrowserSuite();

describe('browser client (headless Chromium, real ingest process)', () => {
  it('page views with SPA navigation, clicks, a custom event and an outbound link: each stored once', async () => {
    const { context, page, oid } = await openApp({ consent: '3', clicks: '', outbound: '' });
    const t = tracker(page);
    await page.click('#pricing'); // pushState
    await page.click('#docs');
    await page.evaluate(() => history.back()); // popstate
    await page.waitForFunction(() => location.pathname === '/app/pricing');
    await page.evaluate(() => history.replaceState({}, '', '/app/pricing?sort=asc')); // query only: no view
    await page.click('#buy');
    const signup = await t.track('signup', { plan: 'pro' });
    await t.settle();
    // Leaving through the outbound link: flushMs is a minute, so that event can only travel in the
    // page-hide beacon.
    await Promise.all([page.waitForURL(/\/elsewhere$/), page.click('#out')]);
    await context.close();
    await expect.poll(acknowledged, { timeout: 20_000 }).toBe(9);

    const rows = await storedEvents(oid);
    expect(rows.map((r) => [r.ename, r.etyp, path(r.url), path(r.last)])).toEqual([
      ['page_view', 'view', '/app', ''],
      // a link click is recorded (capture phase) before the app's own handler navigates
      ['click', 'click', '/app', ''],
      ['page_view', 'view', '/app/pricing', '/app'],
      ['click', 'click', '/app/pricing', ''],
      ['page_view', 'view', '/app/docs', '/app/pricing'],
      ['page_view', 'view', '/app/pricing', '/app/docs'],
      ['buy', 'click', '/app/pricing', ''],
      ['signup', '', '/app/pricing', ''],
      ['outbound', 'click', '/app/pricing', ''],
    ]);
    expect(new Set(rows.map((r) => r.id)).size).toBe(rows.length);
    expect(rows.find((r) => r.ename === 'signup')?.id).toBe(signup);
    expect(rows.find((r) => r.ename === 'buy')?.plan).toBe('pro');
    // analytics consent: one client visitor id and one session across all of them
    expect(new Set(rows.map((r) => r.visitor)).size).toBe(1);
    expect(new Set(rows.map((r) => r.session)).size).toBe(1);
    expect(rows.every((r) => Number(r.cflags) === 3)).toBe(true);
  });

  // The queued consent was replayed after the automatic page view: that page view went out cookieless,

  it('closing the tab hands queued events to a beacon', async () => {
    const { context, page, oid } = await openApp({ consent: '3', clicks: '' });
    await tracker(page).settle();
    await page.click('#plain');
    expect(await tracker(page).pending()).toBe(1);
    // With runBeforeUnload, close() does not wait for the page to go; closing the context before the page
    // went (or before the beacon reached the ingest) could cancel the beacon on a busy machine.
    const closed = new Promise((resolve) => page.once('close', resolve));
    await page.close({ runBeforeUnload: true });
    await closed;
    await expect.poll(acknowledged, { timeout: 20_000 }).toBe(2);
    await context.close();
    const rows = await storedEvents(oid);
    expect(rows.map((r) => r.ename)).toEqual(['page_view', 'click']);
  });

  it('events made while the ingest is down are retried with the same eids and stored once', async () => {
    const { context, page, oid } = await openApp({ consent: '3', 'retry-ms': '200', 'retry-max-ms': '1000' });
    const t = tracker(page);
    await t.settle();
    await ingest.stop();
    const failed: string[] = [];
    page.on('requestfailed', (r) => failed.push(r.url()));
    const eids = [await t.track('offline_1'), await t.track('offline_2'), await t.track('offline_3')];
    await page.evaluate(() => void (window as unknown as { tracker: Tracker }).tracker.flush());
    await expect.poll(() => failed.length, { timeout: 20_000 }).toBeGreaterThanOrEqual(2);
    expect(await t.pending()).toBe(3);
    await ingest.start();
    await page.waitForFunction(
      () => (window as unknown as { tracker: Tracker }).tracker.pending() === 0,
      null,
      {
        timeout: 30_000,
      },
    );
    await context.close();
    const rows = await storedEvents(oid);
    expect(rows.map((r) => r.ename)).toEqual(['page_view', 'offline_1', 'offline_2', 'offline_3']);
    expect(rows.slice(1).map((r) => r.id)).toEqual(eids);
  });

  it('the WebSocket transport delivers LZ4 frames, each event stored once', async () => {
    const { context, page, oid } = await openApp({ consent: '3', transport: 'websocket' });
    const posts: string[] = [];
    page.on('request', (r) => {
      if (r.method() === 'POST' && r.url().startsWith(ingest.url)) posts.push(r.url());
    });
    const t = tracker(page);
    await page.click('#pricing');
    await t.track('ws_event');
    await t.settle();
    const metrics = await (await fetch(`${ingest.opsUrl}/metrics`)).text();
    await context.close();
    expect(posts).toEqual([]);
    expect(metrics).toMatch(/tracker_ws_frames_total\{kind="lz4",outcome="stored"\} [1-9]/);
    const rows = await storedEvents(oid);
    expect(rows.map((r) => [r.ename, path(r.url)])).toEqual([
      ['page_view', '/app'],
      ['page_view', '/app/pricing'],
      ['ws_event', '/app/pricing'],
    ]);
    expect(new Set(rows.map((r) => r.id)).size).toBe(3);
  });

  // The client had no way to send a site key: with `sites.required` every event was refused.
  it('data-site-key binds every event to the key’s org, over HTTP and in the page-hide beacon', async () => {
    const { context, page } = await openApp({ consent: '3', 'site-key': SITE_KEY, clicks: '' });
    await tracker(page).track('keyed');
    await tracker(page).settle();
    await page.click('#plain');
    const closed = new Promise((resolve) => page.once('close', resolve));
    await page.close({ runBeforeUnload: true });
    await closed;
    await expect.poll(acknowledged, { timeout: 20_000 }).toBe(3);
    await context.close();
    const rows = await storedEvents(SITE_KEY_OID);
    expect(rows.map((r) => r.ename)).toEqual(['page_view', 'keyed', 'click']);
  });
});
