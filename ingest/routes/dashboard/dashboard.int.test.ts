// The dashboard over real HTTP on the real ingest (in process, embedded engine): cache headers (the page
// revalidated, hashed assets immutable), the numbers of api/overview against what was sent, the live feed
// delivering a stored event, the credential when the dashboard asks for one, and the client bundle.
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../../e2e/env/wait.ts';
import { type Live, startLive } from '../../testing/live.ts';
import { loadDashboardAssets } from './assets.ts';
import type { Overview } from './overview.ts';
import { MAX_STREAMS } from './sse.ts';

const OID = 'da5b0a2d-0000-4000-8000-000000000001';
const OTHER = 'da5b0a2d-0000-4000-8000-000000000002';
const FROM_DISK = 'da5b0a2d-0000-4000-8000-000000000003';
let live: Live;

async function send(events: Record<string, unknown>[]): Promise<void> {
  const res = await fetch(`${live.url}/tr/v1/str/`, { method: 'POST', body: JSON.stringify(events) });
  expect(res.status).toBe(200);
}

const count = async () => Number((await live.rows<{ n: string }>('SELECT count() AS n FROM events'))[0]?.n);

beforeAll(async () => {
  live = await startLive({ dashboard: { liveIntervalMs: 250 } });
  await send([
    {
      ename: 'page_view',
      etyp: 'view',
      oid: OID,
      url: 'https://shop.example/pricing?x=1',
      source: 'newsletter',
      cflags: 3,
    },
    {
      ename: 'page_view',
      etyp: 'view',
      oid: OID,
      url: 'https://shop.example/pricing',
      last: 'https://news.example/a',
      cflags: 1,
    },
    {
      ename: 'page_view',
      etyp: 'view',
      oid: OID,
      url: 'https://shop.example/',
      last: 'https://shop.example/pricing',
    },
    { ename: 'signup', oid: OID, url: 'https://shop.example/', source: 'ads', cflags: 3 },
    { ename: 'elsewhere', oid: OTHER },
    { ename: 'page_view', etyp: 'view', oid: OTHER },
    // a page opened from disk, as examples/web is: its url has no host
    { ename: 'page_view', etyp: 'view', oid: FROM_DISK, url: 'file:///home/me/index.html' },
  ]);
  await waitFor(async () => (await count()) === 7, { what: 'seven events stored', timeoutMs: 20_000 });
});

let closed = false;
const closeLive = async () => {
  if (closed) return;
  closed = true;
  await live?.close();
};
afterAll(closeLive);

describe('dashboard over HTTP (real ingest, embedded engine)', () => {
  it('serves the page revalidated (ETag, no-cache) and its assets hashed and immutable', async () => {
    const page = await fetch(`${live.url}/dashboard`);
    expect(page.status).toBe(200);
    expect(page.headers.get('cache-control')).toBe('no-cache');
    const etag = page.headers.get('etag') ?? '';
    const html = await page.text();
    expect((await fetch(`${live.url}/dashboard`, { headers: { 'if-none-match': etag } })).status).toBe(304);
    const assets = [...html.matchAll(/(?:src|href)="(\/dashboard\/assets\/[^"]+)"/g)].map((m) => m[1] ?? '');
    expect(assets).toHaveLength(4);
    for (const path of assets) {
      expect(path).toMatch(/\.[0-9a-f]{16}\.(js|css)$/);
      const res = await fetch(`${live.url}${path}`);
      expect([res.status, res.headers.get('cache-control')]).toEqual([
        200,
        'public, max-age=31536000, immutable',
      ]);
    }
    expect((await fetch(`${live.url}/dashboard/assets/dashboard.0000000000000000.js`)).status).toBe(404);
    // Nothing is loaded from another origin (no CDN): every script and stylesheet is ours.
    expect(html).not.toMatch(/(?:src|href)="https?:/);
  });

  it('api/overview: the numbers of the range and site, each as sent', async () => {
    const res = await fetch(`${live.url}/dashboard/api/overview?range=1h&oid=${OID}`);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const o = (await res.json()) as Overview;
    // server events that name no visitor are nobody (each counted as a visitor of its own before)
    expect(o.totals).toEqual({ events: 4, pageviews: 3, visitors: 0 });
    expect(o.pages).toEqual([
      { key: '/pricing', n: 2 },
      { key: '/', n: 1 },
    ]);
    expect(o.referrers).toEqual([
      { key: '(direct)', n: 1 },
      { key: 'news.example', n: 1 },
    ]);
    expect(o.sources).toEqual([
      { key: 'ads', n: 1 },
      { key: 'newsletter', n: 1 },
    ]);
    // a share of the page views (cflags 3, 1 and none), as on Grafana's Analytics dashboard
    expect(o.consent).toEqual({
      total: 3,
      bits: [
        { name: 'necessary', bit: 0, n: 2 },
        { name: 'analytics', bit: 1, n: 1 },
        { name: 'marketing', bit: 2, n: 0 },
      ],
    });
    expect(o.series.n.reduce((a, b) => a + b, 0)).toBe(4);
    const all = (await (await fetch(`${live.url}/dashboard/api/overview?range=15m`)).json()) as Overview;
    expect(all.totals.events).toBe(7);
    expect(all.sites.map((s) => s.key)).toContain(OID);
    // a site selected still offers the others: the picker listed only the site it was on
    expect(o.sites).toEqual(all.sites);
    expect(o.sites.length).toBeGreaterThan(1);
    expect((await fetch(`${live.url}/dashboard/api/overview?range=2y`)).status).toBe(400);
    // a page view without a url still came from somewhere: the referrers add up to the page views (it was
    // counted as a page view and left out of the referrers)
    const other = (await (
      await fetch(`${live.url}/dashboard/api/overview?range=1h&oid=${OTHER}`)
    ).json()) as Overview;
    expect(other.totals.pageviews).toBe(1);
    expect(other.referrers).toEqual([{ key: '(direct)', n: 1 }]);
    // so does a page without a host (opened from disk): without a referrer it is a direct visit (it was
    // left out, its empty domain taken for the referrer's)
    const disk = (await (
      await fetch(`${live.url}/dashboard/api/overview?range=1h&oid=${FROM_DISK}`)
    ).json()) as Overview;
    expect(disk.referrers).toEqual([{ key: '(direct)', n: 1 }]);
  });

  it('api/live: a stored event arrives on the event stream', async () => {
    const ac = new AbortController();
    const res = await fetch(`${live.url}/dashboard/api/live?oid=${OID}&after=${Date.now()}`, {
      signal: ac.signal,
    });
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    await send([{ ename: 'arrives_live', oid: OID }]);
    let text = '';
    while (!text.includes('arrives_live')) {
      const { value, done } = await reader.read();
      if (done) break;
      text += Buffer.from(value).toString('utf8');
    }
    ac.abort();
    expect(text).toMatch(/event: events\ndata: \[.*"ename":"arrives_live"/);
  });

  it('api/live: a site named in upper case gets its events too', async () => {
    // Regression: the feed matched events to the site by its text, lower case in the store, so a
    // dashboard opened with ?oid=DA5B0A2D-… got that site's numbers but never a live event.
    const ac = new AbortController();
    const res = await fetch(`${live.url}/dashboard/api/live?oid=${OID.toUpperCase()}&after=${Date.now()}`, {
      signal: ac.signal,
    });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    await send([{ ename: 'arrives_upper', oid: OID }]);
    let text = '';
    while (!text.includes('arrives_upper')) {
      const { value, done } = await reader.read();
      if (done) break;
      text += Buffer.from(value).toString('utf8');
    }
    ac.abort();
    expect(text).toMatch(/event: events\ndata: \[.*"ename":"arrives_upper"/);
  });

  it("answers no other origin's script: no CORS headers on the page, its assets or its API", async () => {
    // Regression: the ingest's CORS (cors.origins "*" by default) answered the dashboard too, so any web
    // page open in the browser of someone running the ingest on loopback (no credential asked) could
    // read its numbers and last events.
    const from = { headers: { origin: 'https://elsewhere.example' } };
    const asset = [...loadDashboardAssets().byPath.keys()][0] ?? '';
    for (const path of ['/dashboard', asset, '/dashboard/api/overview', '/dashboard/api/events']) {
      const res = await fetch(`${live.url}${path}`, from);
      expect([path, res.status, res.headers.get('access-control-allow-origin')]).toEqual([path, 200, null]);
      await res.body?.cancel();
    }
    // the tracking routes keep theirs
    const tracking = await fetch(`${live.url}/tr/v1/str/`, { method: 'POST', body: '{}', ...from });
    expect(tracking.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('on loopback, asks for the credential of a request that names the server by another name', async () => {
    // Regression: a page whose own host name was made to resolve to 127.0.0.1 (DNS rebinding) is
    // same-origin to its browser, and read the dashboard without a credential.
    const get = (host: string) =>
      new Promise<number>((done, fail) => {
        const url = new URL(`${live.url}/dashboard/api/overview`);
        request(url, { headers: { host } }, (res) => {
          res.resume();
          done(res.statusCode ?? 0);
        })
          .on('error', fail)
          .end();
      });
    expect(await get('rebound.example:8080')).toBe(401);
    for (const host of [new URL(live.url).host, 'localhost:8080', '[::1]:8080'])
      expect(await get(host)).toBe(200);
  });

  // A HEAD was held open like a stream, each one taking one of the few live streams until it went away.
  it('api/live: a HEAD answers the headers and ends, taking no live stream', async () => {
    for (let i = 0; i < MAX_STREAMS + 1; i++) {
      const res = await fetch(`${live.url}/dashboard/api/live`, {
        method: 'HEAD',
        signal: AbortSignal.timeout(5000),
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    }
    const ac = new AbortController();
    const res = await fetch(`${live.url}/dashboard/api/live`, { signal: ac.signal });
    expect(res.status).toBe(200);
    ac.abort();
  });

  it('serves the browser client at /tr/v1/client.js with an ETag', async () => {
    const res = await fetch(`${live.url}/tr/v1/client.js`);
    expect([res.status, res.headers.get('content-type')]).toEqual([200, 'text/javascript; charset=utf-8']);
    expect(res.headers.get('cache-control')).toBe('public, max-age=3600');
    expect(await res.text()).toContain('/tr/v1/tr/');
    const etag = res.headers.get('etag') ?? '';
    expect((await fetch(`${live.url}/tr/v1/client.js`, { headers: { 'if-none-match': etag } })).status).toBe(
      304,
    );
  });

  it('the first visit downloads a small page (gzip sizes of page and assets under 40 KiB)', () => {
    const assets = loadDashboardAssets();
    const gz = [assets.page, ...[...assets.byPath.values()].map((a) => a.body)].map(
      (b) => gzipSync(b, { level: 9 }).length,
    );
    expect(gz.reduce((a, b) => a + b, 0)).toBeLessThan(40 * 1024);
  });
});

describe('dashboard credential', () => {
  let guarded: Live;
  beforeAll(async () => {
    await closeLive(); // one embedded data directory per process at a time
    guarded = await startLive({ dashboard: { auth: 'always' } });
  });
  afterAll(() => guarded?.close());

  it('asks for the read credential (HTTP Basic) and accepts it', async () => {
    const denied = await fetch(`${guarded.url}/dashboard/api/overview`);
    expect(denied.status).toBe(401);
    expect(denied.headers.get('www-authenticate')).toMatch(/^Basic realm="Tracker dashboard"/);
    expect((await fetch(`${guarded.url}/dashboard`)).status).toBe(401);
    const credential = guarded.runtime.deps.readCredential;
    const password = readFileSync(credential?.passwordFile ?? '', 'utf8').trim();
    const basic = `Basic ${btoa(`${credential?.username}:${password}`)}`;
    expect(
      (await fetch(`${guarded.url}/dashboard/api/overview`, { headers: { authorization: basic } })).status,
    ).toBe(200);
    const wrong = `Basic ${btoa(`${credential?.username}:nope`)}`;
    expect((await fetch(`${guarded.url}/dashboard`, { headers: { authorization: wrong } })).status).toBe(401);
  });
});
