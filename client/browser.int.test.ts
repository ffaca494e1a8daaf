// The client in a real browser (headless Chromium) against the real ingest process on the embedded engine:
// a page carrying the script tag is loaded, navigated as a single-page app, clicked, left and closed; the
// store then holds every event exactly once. Also: events made while the ingest is down are retried with
// the same eids and stored once; consent decides identifiers and storage; Do-Not-Track/GPC silences the
// client when configured; the WebSocket transport delivers LZ4 frames.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { launchChromium } from '../e2e/browser/chromium.ts';
import { type IngestProcess, ingestProcess } from '../e2e/browser/ingest-process.ts';
import { plainPage, scriptTag, spaPage } from '../e2e/browser/pages.ts';
import { type Site, type Page as SitePage, serveSite } from '../e2e/browser/site.ts';
import { buildClient } from './build.ts';
import { uuid } from './src/ids.ts';
import type { Tracker } from './src/types.ts';

interface Row {
  id: string;
  ename: string;
  etyp: string;
  url: string;
  last: string;
  cflags: string | number;
  visitor: string;
  session: string;
  plan: string;
}

/** A site write key of the ingest: the events sent with it belong to its org, whatever oid they name. */
const SITE_KEY = 'pk_browser_test';
const SITE_KEY_OID = uuid();
/** Another site's key: the consent test's events stay out of the first site's. */
const CONSENT_SITE_KEY = 'pk_consent_test';
const CONSENT_SITE_OID = uuid();

let browser: Browser;
let site: Site;
let ingest: IngestProcess;
let script: Buffer;
let app: SitePage;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'client-build-'));
  await buildClient(dir);
  script = readFileSync(join(dir, 'tracker.js'));
  site = await serveSite((path) => {
    if (path === '/tracker.js') return { type: 'text/javascript', body: script };
    if (path === '/app' || path.startsWith('/app/')) return app;
    if (path === '/elsewhere') return plainPage('Partner');
    return undefined;
  });
  ingest = await ingestProcess({
    cors: { origins: [site.url] },
    domains: { websocketOrigins: [site.url] },
    batching: { tables: { events: { strategy: 'time', maxDelayMs: 50 } } },
    sites: {
      keys: [
        { key: SITE_KEY, oid: SITE_KEY_OID, origins: [site.url] },
        { key: CONSENT_SITE_KEY, oid: CONSENT_SITE_OID, origins: [site.url] },
      ],
    },
  });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await ingest?.stop();
  await site?.close();
});

beforeEach(async () => {
  await ingest.start();
});

/** Opens the app with the script tag for a fresh site id; `init` runs in the page before any script. */
async function openApp(
  attrs: Record<string, string>,
  init?: () => void,
): Promise<{ context: BrowserContext; page: Page; oid: string }> {
  const oid = uuid();
  app = spaPage(
    scriptTag({ endpoint: ingest.url, oid, 'flush-ms': '60000', ...attrs }),
    `http://localhost:${site.port}/elsewhere`,
  );
  const context = await browser.newContext();
  if (init) await context.addInitScript(init);
  const page = await context.newPage();
  await page.goto(`${site.url}/app`);
  await page.waitForFunction(() => typeof (window as { tracker?: Tracker }).tracker?.pending === 'function');
  return { context, page, oid };
}

const tracker = (page: Page) => ({
  track: (ename: string, props: Record<string, string> = {}) =>
    page.evaluate(([n, p]) => (window as unknown as { tracker: Tracker }).tracker.track(n, p), [
      ename,
      props,
    ] as const),
  consent: (value: number | Record<string, boolean>) =>
    page.evaluate((v) => (window as unknown as { tracker: Tracker }).tracker.consent(v), value),
  /** Sends what is queued and waits until the ingest acknowledged all of it. */
  settle: async () => {
    await page.evaluate(() => (window as unknown as { tracker: Tracker }).tracker.flush());
    await page.waitForFunction(() => (window as unknown as { tracker: Tracker }).tracker.pending() === 0);
  },
  pending: () => page.evaluate(() => (window as unknown as { tracker: Tracker }).tracker.pending()),
});

/** Events the running ingest acknowledged since it started (a beacon is sent without waiting for it). */
async function acknowledged(): Promise<number> {
  const text = await (await fetch(`${ingest.opsUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('tracker_rows_accepted_total{table="events"}'));
  return Number(line?.split(' ').pop() ?? 0);
}

/** The latest consent the running ingest answers for a visitor (`GET /tr/v1/ppi/agree?vid=`). */
async function latestConsent(vid: string): Promise<unknown> {
  const res = await fetch(`${ingest.url}/tr/v1/ppi/agree?vid=${vid}`);
  return { status: res.status, ...((await res.json()) as object) };
}

const storageKeys = (page: Page) =>
  page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('_trk_')));

/** Stops the ingest (it drains) and reads the site's events in the order they happened. */
async function storedEvents(oid: string): Promise<Row[]> {
  await ingest.stop();
  return ingest.query<Row>(
    `SELECT toString(eid) AS id, ename, etyp, url, last, cflags, toString(vid) AS visitor,
            toString(sid) AS session, toString(params.plan) AS plan
     FROM events WHERE oid = {oid:UUID} ORDER BY created_at, ename`,
    { oid },
  );
}

const path = (url: string) => (url === '' ? '' : new URL(url).pathname);

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
  // the rest under the client's id, and one visitor was counted as two.
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

// examples/web/index.html is what a new user opens after `make run`: straight from disk (a file:// page),
// against an ingest with make run's defaults (CORS for any origin), loading the client from the ingest.
describe('examples/web/index.html', () => {
  const MAKE_RUN = 'http://127.0.0.1:8080';
  const EXAMPLE_OID = '0a000000-0000-4000-8000-00000000000a';
  let local: IngestProcess;
  beforeAll(async () => {
    local = await ingestProcess({});
    await local.start();
  });
  afterAll(async () => {
    await local?.stop();
  });

  it('opened from disk, sends its page view and the button’s event, and says both were acknowledged', async () => {
    const html = readFileSync(new URL('../examples/web/index.html', import.meta.url), 'utf8');
    expect(html).toContain(`${MAKE_RUN}/tr/v1/client.js`);
    const file = join(mkdtempSync(join(tmpdir(), 'example-web-')), 'index.html');
    writeFileSync(file, html.replaceAll(MAKE_RUN, local.url));
    const context = await browser.newContext();
    const page = await context.newPage();
    // the ingest serves client/dist, which `make run` builds first and a test run does not: the same bundle
    await page.route(`${local.url}/tr/v1/client.js`, (route) =>
      route.fulfill({ contentType: 'text/javascript', body: script }),
    );
    await page.goto(pathToFileURL(file).href);
    const log = page.locator('#log');
    await expect
      .poll(() => log.textContent(), { timeout: 20_000 })
      .toContain('page_view acknowledged by the ingest');
    await page.click('#send');
    await expect
      .poll(() => log.textContent(), { timeout: 20_000 })
      .toContain('demo_click acknowledged by the ingest');
    expect(await page.locator('#log .error').count()).toBe(0);
    await context.close();
    await local.stop();
    const rows = await local.query<{ ename: string; url: string }>(
      'SELECT ename, url FROM events WHERE oid = {oid:UUID} ORDER BY created_at',
      { oid: EXAMPLE_OID },
    );
    expect(rows).toEqual([
      { ename: 'page_view', url: pathToFileURL(file).href },
      { ename: 'demo_click', url: pathToFileURL(file).href },
    ]);
  });
});
