// The dashboard in a real browser (headless Chromium) on the real ingest process: a site loads the client
// from the ingest (/tr/v1/client.js, one script tag), a visitor browses it, then the dashboard page shows
// numbers that equal what the store answers to the test's own queries for the same range and site, and
// an event stored while it is open appears in its live list. Screenshots go to
// test-results/dashboard/ (gitignored).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uuid } from '../../../client/src/ids.ts';
import { launchChromium } from '../../../e2e/browser/chromium.ts';
import { type IngestProcess, ingestProcess } from '../../../e2e/browser/ingest-process.ts';
import { spaPage } from '../../../e2e/browser/pages.ts';
import { type Site, type Page as SitePage, serveSite } from '../../../e2e/browser/site.ts';
import { waitFor } from '../../../e2e/env/wait.ts';

const SCREENSHOTS = new URL('../../../test-results/dashboard/', import.meta.url).pathname;

const OID = uuid();
let browser: Browser;
let site: Site;
let ingest: IngestProcess;

type Counts = Record<string, number>;
/** What page.evaluate callbacks see (this project's types carry no DOM; the client's tests have it). */
interface InPage {
  tracker?: { pending(): number; flush(): Promise<void> };
  document: { querySelector(selector: string): { textContent: string | null } | null };
}

const stored = async (sql: string, from: number, to: number): Promise<Counts> => {
  const rows = await ingest.query<{ k: string; n: string | number }>(sql, { oid: OID, from, to });
  return Object.fromEntries(rows.map((r) => [r.k, Number(r.n)]));
};

/** The test's own SQL (not the dashboard's repository): per-key counts of the site's events in the range. */
const WHERE = `oid = {oid:UUID} AND created_at >= fromUnixTimestamp64Milli({from:Int64}, 'UTC')
  AND created_at < fromUnixTimestamp64Milli({to:Int64}, 'UTC')`;
const PAGE_VIEW = "(ename = 'page_view' OR etyp = 'view')";

async function shown(page: Page, list: string): Promise<Counts> {
  return page.$$eval(`[data-list="${list}"] li[data-key]`, (items) =>
    Object.fromEntries(items.map((li) => [li.getAttribute('data-key'), Number(li.getAttribute('data-n'))])),
  );
}

const metric = (page: Page, name: string) =>
  page.$eval(`[data-metric="${name}"]`, (el) => Number((el.textContent ?? '').replace(/\D/g, '')));

/** The dashboard's viewer is half an hour off any whole-hour zone, and far from UTC and the visitor's. */
const VIEWER_ZONE = 'Asia/Kolkata';

/** The received time of each event in the table, by eid, as shown. */
const receivedShown = (page: Page): Promise<Record<string, string>> =>
  page.$$eval('#events tbody tr', (rows) =>
    Object.fromEntries(rows.map((r) => [r.getAttribute('data-eid'), r.querySelector('td')?.textContent])),
  );

/** The stored received time of the site's newest events, by eid, as a 24-hour clock in the viewer's zone. */
async function receivedInViewerZone(): Promise<Record<string, string>> {
  const res = await fetch(`${ingest.url}/dashboard/api/events?oid=${OID}&limit=20`);
  const { events } = (await res.json()) as { events: { eid: string; received: string }[] };
  const clock = new Intl.DateTimeFormat('en-GB', {
    timeZone: VIEWER_ZONE,
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  });
  return Object.fromEntries(
    events.map((e) => [e.eid, clock.format(Date.parse(`${e.received.replace(' ', 'T')}Z`))]),
  );
}

beforeAll(async () => {
  let app: SitePage | undefined;
  site = await serveSite((path) => (path === '/app' || path.startsWith('/app/') ? app : undefined));
  ingest = await ingestProcess({
    cors: { origins: [site.url] },
    batching: { tables: { events: { strategy: 'time', maxDelayMs: 20 } } },
  });
  await ingest.start();
  // The site loads the client from the ingest itself: the one-line snippet of the README.
  const tag = `<script defer src="${ingest.url}/tr/v1/client.js" data-oid="${OID}" data-consent="3" data-clicks=""></script>`;
  app = spaPage(tag, 'https://partner.example/');
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await ingest?.stop();
  await site?.close();
});

describe('live dashboard (headless Chromium, real ingest process)', () => {
  it('shows the numbers the store holds for the range and site, and events as they arrive', async () => {
    const visitor = await browser.newContext({ timezoneId: 'Europe/Berlin' });
    const shop = await visitor.newPage();
    await shop.goto(`${site.url}/app?utm_source=newsletter`);
    await shop.waitForFunction(
      () => typeof (globalThis as unknown as InPage).tracker?.pending === 'function',
    );
    await shop.click('#pricing');
    await shop.click('#docs');
    await shop.click('#buy');
    await shop.evaluate(() => (globalThis as unknown as InPage).tracker?.flush());
    await shop.waitForFunction(() => (globalThis as unknown as InPage).tracker?.pending() === 0);
    await visitor.close();
    const sent = 6; // three page views, three clicks (two links, one button)
    await waitFor(
      async () =>
        (await stored('SELECT 1 AS k, count() AS n FROM events WHERE oid = {oid:UUID}', 0, 0))['1'] === sent,
      {
        what: 'the visit stored',
        timeoutMs: 20_000,
      },
    );

    // an event without a site, to be offered as "(no site)" rather than as the nil UUID it is stored under
    const siteless = await fetch(`${ingest.url}/tr/v1/str/`, {
      method: 'POST',
      body: '{"ename":"siteless"}',
    });
    const sitelessEid = ((await siteless.json()) as { eid: string }).eid;
    await waitFor(
      async () =>
        (await stored(`SELECT 1 AS k, count() AS n FROM events WHERE eid = '${sitelessEid}'`, 0, 0))['1'] ===
        1,
      { what: 'the siteless event stored', timeoutMs: 20_000 },
    );

    const context = await browser.newContext({
      viewport: { width: 1280, height: 1000 },
      timezoneId: VIEWER_ZONE,
    });
    const page = await context.newPage();
    // Whatever the page does, its own Content-Security-Policy allows and the ingest serves: the share bars
    // were once style attributes, which the policy refuses, and every bar was drawn without a width.
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(`${ingest.url}/dashboard?range=1h&oid=${OID}`);
    await page.waitForSelector('body[data-loaded]');
    const from = Number(await page.getAttribute('body', 'data-from'));
    const to = Number(await page.getAttribute('body', 'data-to'));
    const totals = await stored(
      `SELECT 'events' AS k, count() AS n FROM events WHERE ${WHERE}
       UNION ALL SELECT 'pageviews', countIf(${PAGE_VIEW}) FROM events WHERE ${WHERE}
       UNION ALL SELECT 'visitors', uniqExactIf(vid, notEmpty(vid)) FROM events WHERE ${WHERE}`,
      from,
      to,
    );
    expect(totals.events).toBe(sent);
    const sites = await page.$$eval('#site option', (os) =>
      os.map(
        (o) => `${(o as unknown as { value: string }).value}=${(o as unknown as { text: string }).text}`,
      ),
    );
    expect(sites).toContain('00000000-0000-0000-0000-000000000000=(no site)');
    for (const name of ['events', 'pageviews', 'visitors'])
      expect(await metric(page, name)).toBe(totals[name]);
    const top = (key: string, where = 'true') =>
      stored(`SELECT ${key} AS k, count() AS n FROM events WHERE ${WHERE} AND ${where} GROUP BY k`, from, to);
    const pages = await shown(page, 'pages');
    expect(pages).toEqual(await top('path(url)', PAGE_VIEW));
    expect(pages).toEqual({ '/app': 1, '/app/pricing': 1, '/app/docs': 1 });
    expect(await shown(page, 'sources')).toEqual(await top('source', "source != ''"));
    expect(await shown(page, 'countries')).toEqual(await top("if(country = '', '(unknown)', country)"));
    expect(await shown(page, 'browsers')).toEqual(await top("if(browser = '', '(unknown)', browser)"));
    expect(await shown(page, 'devices')).toEqual(await top("if(device = '', '(unknown)', device)"));
    expect(await shown(page, 'consent')).toEqual({
      // a share of the page views, as on Grafana's Analytics dashboard
      necessary: (await top("'x'", `bitTest(cflags, 0) AND ${PAGE_VIEW}`)).x ?? 0,
      analytics: (await top("'x'", `bitTest(cflags, 1) AND ${PAGE_VIEW}`)).x ?? 0,
      marketing: (await top("'x'", `bitTest(cflags, 2) AND ${PAGE_VIEW}`)).x ?? 0,
    });
    // the visit began by opening the URL (no referrer); the single-page app's navigations are no referrals
    expect(await shown(page, 'referrers')).toEqual({ '(direct)': 1 });
    // the landing URL's utm_source, on the events sent before the first navigation changed the URL
    expect(Object.keys(await shown(page, 'sources'))).toEqual(['newsletter']);
    expect(await page.locator('#events tbody tr').count()).toBe(sent);
    // The chart's axis read "3pm" (12-hour, local) beside the table's stored UTC times: both are now the
    // viewer's local time, 24-hour.
    expect(await receivedShown(page)).toEqual(await receivedInViewerZone());
    const ticks = (await page.getAttribute('#chart', 'data-ticks'))?.split(' | ') ?? [];
    expect(ticks.length).toBeGreaterThan(0);
    for (const tick of ticks) expect(tick).toMatch(/^([01]\d|2[0-3]):[0-5]\d(\n\d{1,2}\/\d{1,2})?$/);
    // each page was viewed once: every bar spans its whole row
    const bars = await page.$$eval('[data-list="pages"] li[data-key]', (items) =>
      items.map((li) => {
        const width = (e: unknown) => (e as { offsetWidth: number }).offsetWidth;
        return width(li.querySelector('.fill')) === width(li) && width(li) > 0;
      }),
    );
    expect(bars).toEqual([true, true, true]);
    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: join(SCREENSHOTS, 'dashboard.png'), fullPage: true });

    // Live: an event stored while the dashboard is open appears in its list, and the totals follow.
    const res = await fetch(`${ingest.url}/tr/v1/str/`, {
      method: 'POST',
      body: JSON.stringify({ ename: 'arrived_live', oid: OID, url: 'https://shop.example/live' }),
    });
    const { eid } = (await res.json()) as { eid: string };
    await page.waitForSelector(`#events tr[data-eid="${eid}"]`, { timeout: 20_000 });
    await page.waitForFunction(
      (n) =>
        (globalThis as unknown as InPage).document.querySelector('[data-metric="events"]')?.textContent ===
        String(n),
      sent + 1,
      {
        timeout: 20_000,
      },
    );
    await page.screenshot({ path: join(SCREENSHOTS, 'dashboard-live.png'), fullPage: true });
    await context.close();
    expect(problems).toEqual([]);
  });
  it('opens a link with a range it does not offer on the default range, an upper-case site chosen', async () => {
    // Regression: ?range=2h (typed, or kept from elsewhere) left every figure blank, "could not load
    // (400)" asked again every few seconds; an upper-case oid was not shown chosen in the site picker.
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${ingest.url}/dashboard?range=2h&oid=${OID.toUpperCase()}`);
    await page.waitForSelector('body[data-loaded]');
    expect(await page.getAttribute('#ranges button[data-range="1h"]', 'aria-pressed')).toBe('true');
    expect(new URL(page.url()).searchParams.get('range')).toBe('1h');
    expect(await page.$eval('#site', (el) => (el as unknown as { value: string }).value)).toBe(OID);
    expect(await metric(page, 'events')).toBeGreaterThan(0);
    await context.close();
  });

  it("says what the ingest refused when the page's request is wrong", async () => {
    // Regression: a site that is not a UUID showed only "could not load (400)".
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${ingest.url}/dashboard?oid=shop`);
    await page.waitForFunction(() =>
      /querystring\.oid/.test(
        (globalThis as unknown as InPage).document.querySelector('#status')?.textContent ?? '',
      ),
    );
    expect(await page.textContent('#status')).toMatch(
      /^could not load \(400: querystring\.oid: must be a UUID, or empty for every site\)$/,
    );
    await context.close();
  });
});
