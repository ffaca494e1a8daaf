// The shared setup of the browser tests (client/browser*.int.test.ts, client/example-web.int.test.ts): the
// client built once, a site serving the app page with its script tag, a real ingest process on the embedded
// engine (started before each test; storedEvents stops it) and headless Chromium. Call useBrowserSuite() at
// the top of a test file to register its hooks; the bindings below are live (each file gets its own).
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { launchChromium } from '../../e2e/browser/chromium.ts';
import { type IngestProcess, ingestProcess } from '../../e2e/browser/ingest-process.ts';
import { plainPage, scriptTag, spaPage } from '../../e2e/browser/pages.ts';
import { type Site, type Page as SitePage, serveSite } from '../../e2e/browser/site.ts';
import { buildClient } from '../build.ts';
import { uuid } from '../src/ids.ts';
import type { Tracker } from '../src/types.ts';

export interface Row {
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
export const SITE_KEY = 'pk_browser_test';
export const SITE_KEY_OID = uuid();
/** Another site's key: the consent test's events stay out of the first site's. */
export const CONSENT_SITE_KEY = 'pk_consent_test';
export const CONSENT_SITE_OID = uuid();

export let browser: Browser;
let site: Site;
export let ingest: IngestProcess;
export let script: Buffer;
let app: SitePage;

/** Registers the hooks that build the client, serve the site, make the ingest and launch the browser. */
export function useBrowserSuite(): void {
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
}

/** Opens the app with the script tag for a fresh site id; `init` runs in the page before any script. */
export async function openApp(
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

export const tracker = (page: Page) => ({
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
export async function acknowledged(): Promise<number> {
  const text = await (await fetch(`${ingest.opsUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('tracker_rows_accepted_total{table="events"}'));
  return Number(line?.split(' ').pop() ?? 0);
}

/** The latest consent the running ingest answers for a visitor (`GET /tr/v1/ppi/agree?vid=`). */
export async function latestConsent(vid: string): Promise<unknown> {
  const res = await fetch(`${ingest.url}/tr/v1/ppi/agree?vid=${vid}`);
  return { status: res.status, ...((await res.json()) as object) };
}

export const storageKeys = (page: Page) =>
  page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('_trk_')));

/** Stops the ingest (it drains) and reads the site's events in the order they happened. */
export async function storedEvents(oid: string): Promise<Row[]> {
  await ingest.stop();
  return ingest.query<Row>(
    `SELECT toString(eid) AS id, ename, etyp, url, last, cflags, toString(vid) AS visitor,
            toString(sid) AS session, toString(params.plan) AS plan
     FROM events WHERE oid = {oid:UUID} ORDER BY created_at, ename`,
    { oid },
  );
}

export const path = (url: string) => (url === '' ? '' : new URL(url).pathname);
