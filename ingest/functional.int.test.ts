// Functional tests over real HTTP against the REAL data path and the embedded chdb store: every route,
// asserted by what the store holds afterwards. Includes the Go tracker's functional scenarios (health, ltv,
// ltv batch, redirects, privacy, jurisdictions, 100-event batch, page view → signup → purchase → consent),
// each asserted here rather than printed for a human to read.
import { compressSync } from 'lz4-napi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { writeTestBin } from '../e2e/support/ip2location-bin/fixture.ts';
import { newApiKey } from './auth/api-keys.ts';
import { isUuid, ZERO_UUID } from './model/ids.ts';
import { type Live, startLive } from './testing/live.ts';

const ORG_A = '0a000000-0000-4000-8000-00000000000a';
const ORG_B = '0b000000-0000-4000-8000-00000000000b';
let live: Live;
let keyA = '';
let keyB = '';

beforeAll(async () => {
  const a = await newApiKey(ORG_A, 'acme');
  const b = await newApiKey(ORG_B, 'other');
  keyA = a.key;
  keyB = b.key;
  live = await startLive({
    domains: {
      shortLinkHosts: ['go.example'],
      trackerHosts: ['t.example'],
      redirectAllowList: ['example.com'],
    },
    geoip: { file: writeTestBin() },
    apiKeys: { keys: [a.entry, b.entry].map((e) => ({ id: e.keyId, oid: e.oid, org: e.org, hash: e.hash })) },
  });
});
afterAll(() => live.close());

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  live.post(path, body, headers);
const get = (path: string, headers: Record<string, string> = {}) =>
  fetch(live.url + path, { headers, redirect: 'manual' });
const count = async (sql: string, params?: Record<string, unknown>) =>
  Number((await live.rows<{ n: string }>(sql, params))[0]?.n ?? 0);
const POLL = { timeout: 10_000, interval: 50 };
const eventually = (sql: string, params?: Record<string, unknown>) =>
  expect.poll(() => count(sql, params), POLL);
const vidCookie = (res: Response) => /vid=([0-9a-f-]{36})/.exec(res.headers.get('set-cookie') ?? '')?.[1];

describe('health (make test-functional-health)', () => {
  it('probes answer and record nothing', async () => {
    expect((await get('/health')).status).toBe(200);
    expect(await (await get('/ping')).text()).toBe('pong');
    expect((await get('/ready')).status).toBe(200);
    const ops = (path: string) => fetch(live.opsUrl + path);
    const status = (await (await ops('/status')).json()) as { dataPath: { ready: boolean } };
    expect(status.dataPath.ready).toBe(true);
    const metrics = await (await ops('/metrics')).text();
    expect(metrics).toMatch(/tracker_http_requests_total/);
    // The public port keeps them to itself (the Service and a LoadBalancer expose only it).
    for (const path of ['/metrics', '/status']) expect((await get(path)).status).toBe(404);
    expect(await count('SELECT count() AS n FROM events')).toBe(0);
  });
});

describe('events', () => {
  it('GET /tr with path pairs, query and cookies is stored as a client event with GeoIP and a truncated IP', async () => {
    const res = await get(
      '/tr/v1/tr/ename/Page_View/etyp/view?utm_source=Google&url=https://Shop.example/A?b=C',
      {
        'user-agent': 'Mozilla/5.0 Functional',
        'x-forwarded-for': '81.2.69.160',
        cookie: 'CookieConsent=3',
      },
    );
    expect(res.status).toBe(200);
    const vid = vidCookie(res);
    expect(isUuid(vid)).toBe(true);
    await eventually('SELECT count() AS n FROM events WHERE vid = {vid:UUID}', { vid }).toBe(1);
    const [row] = await live.rows('SELECT * FROM events WHERE vid = {vid:UUID}', { vid });
    expect(row).toMatchObject({
      ename: 'page_view',
      source: 'google',
      url: 'https://Shop.example/A?b=C',
      country: 'GB',
      city: 'London',
      ip: '81.2.69.0',
      bhash: expect.stringMatching(/^[0-9a-z]+$/), // the raw user agent is hashed, not stored
      cflags: 3,
    });
    expect(row?.sid).toBe(vid);
  });

  it('POST /str returns the eid that the store holds; unknown keys are in params', async () => {
    const res = await post('/tr/v1/str/', { ename: 'Signup', Plan: 'Pro', eid: undefined });
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    const { eid } = (await res.json()) as { eid: string };
    await eventually('SELECT count() AS n FROM events WHERE eid = {eid:UUID}', { eid }).toBe(1);
    const [row] = await live.rows<{ plan: string; ename: string }>(
      'SELECT ename, toString(params.Plan) AS plan FROM events WHERE eid = {eid:UUID}',
      { eid },
    );
    expect(row).toEqual({ ename: 'signup', plan: 'Pro' });
  });

  it('100 parallel events with non-UUID vids are all stored, none with a zero vid (make test-functional-batch)', async () => {
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        post('/tr/v1/tr/', { etyp: 'batch_test', vid: `batch-test-${i}` }),
      ),
    );
    expect(results.every((r) => r.status === 200)).toBe(true);
    await eventually("SELECT count() AS n FROM events WHERE etyp = 'batch_test'").toBe(100);
    expect(
      await count("SELECT count() AS n FROM events WHERE etyp = 'batch_test' AND vid = {z:UUID}", {
        z: ZERO_UUID,
      }),
    ).toBe(0);
  });

  it('the batch form (JSON array) stores every event', async () => {
    const res = await post(
      '/tr/v1/str/',
      Array.from({ length: 25 }, (_, i) => ({ etyp: 'array_batch', n: i })),
    );
    expect(((await res.json()) as { eids: string[] }).eids).toHaveLength(25);
    await eventually("SELECT count() AS n FROM events WHERE etyp = 'array_batch'").toBe(25);
  });

  it('/img answers a GIF and stores the event; rdr/xrdr store then redirect to allow-listed hosts only', async () => {
    const img = await get('/tr/v1/img/ename/pixel_seen');
    expect(img.headers.get('content-type')).toBe('image/gif');
    const rdr = await get('/tr/v1/rdr/?url=https://example.com/landing&ename=rdr_click');
    expect(rdr.status).toBe(302);
    expect(rdr.headers.get('location')).toBe('https://example.com/landing');
    expect((await get('/tr/v1/xrdr/?url=https://evil.test/&ename=blocked')).status).toBe(400);
    await eventually("SELECT count() AS n FROM events WHERE ename IN ('pixel_seen', 'rdr_click')").toBe(2);
    expect(await count("SELECT count() AS n FROM events WHERE ename = 'blocked'")).toBe(0);
  });

  it('an event with a tid writes mthreads, mstore and mtriage once each', async () => {
    const tid = '7e570000-0000-4000-8000-000000000001';
    await post('/tr/v1/str/', { tid, ename: 'opened', subject: 'Welcome!' });
    await eventually('SELECT count() AS n FROM mstore WHERE tid = {tid:UUID}', { tid }).toBe(1);
    expect(await count('SELECT count() AS n FROM mthreads WHERE tid = {tid:UUID}', { tid })).toBe(1);
    expect(await count('SELECT count() AS n FROM mtriage WHERE tid = {tid:UUID}', { tid })).toBe(1);
    const [m] = await live.rows('SELECT subject FROM mstore WHERE tid = {tid:UUID}', { tid });
    expect(m).toEqual({ subject: 'Welcome!' });
  });

  it('WebSocket JSON and LZ4 frames are stored', async () => {
    const ws = new WebSocket(`${live.url.replace('http', 'ws')}/tr/v1/ws`);
    await new Promise((r) => ws.once('open', r));
    const replies: unknown[] = [];
    ws.on('message', (d) => replies.push(JSON.parse(String(d))));
    ws.send(JSON.stringify({ ename: 'ws_json', ack: 1 }));
    ws.send(compressSync(Buffer.from(JSON.stringify({ ename: 'ws_lz4', ack: 2 }))));
    await expect.poll(() => replies.length).toBe(2);
    ws.close();
    await eventually("SELECT count() AS n FROM events WHERE ename IN ('ws_json', 'ws_lz4')").toBe(2);
  });
});

describe('ltv (make test-functional-ltv, -ltv-batch)', () => {
  const uid = '5e550000-0000-4000-8000-000000000001';
  const vid = '5e550000-0000-4000-8000-000000000002';
  const orid = '5e550000-0000-4000-8000-000000000003';
  const ltvOf = async (id: string) =>
    Number(
      (await live.rows<{ s: number }>('SELECT sum(paid) AS s FROM ltv FINAL WHERE id = {id:UUID}', { id }))[0]
        ?.s,
    );

  it('a single payment writes payments and uid/vid/order ltv rows; a resend is not counted twice', async () => {
    const body = { uid, vid, orid, amt: 99.99, currency: 'usd' };
    expect((await post('/tr/v1/ltv/', body)).status).toBe(200);
    expect((await post('/tr/v1/ltv/', body)).status).toBe(200);
    await eventually('SELECT count() AS n FROM payments FINAL WHERE uid = {uid:UUID}', { uid }).toBe(1);
    // payments and ltv are batched and flushed independently: poll ltv too (it raced payments)
    const idTypes = async () =>
      (
        await live.rows<{ id_type: string }>(
          'SELECT DISTINCT id_type FROM ltv FINAL WHERE payment_id IN (SELECT id FROM payments WHERE uid = {uid:UUID}) ORDER BY id_type',
          { uid },
        )
      ).map((t) => t.id_type);
    await expect.poll(idTypes, POLL).toEqual(['orid', 'uid', 'vid']);
    await expect.poll(() => ltvOf(uid), POLL).toBeCloseTo(99.99, 2);
    const [p] = await live.rows(
      'SELECT currency, revenue, paid_at = created_at AS paid_when_received FROM payments FINAL WHERE uid = {uid:UUID}',
      { uid },
    );
    // sent without paid_at: paid when received, not on 1970-01-01
    expect(p).toEqual({ currency: 'USD', revenue: 99.99, paid_when_received: 1 });
  });

  it('a batch with a refund sums to the net amount', async () => {
    const u2 = '5e550000-0000-4000-8000-000000000004';
    await post('/tr/v1/ltv/', {
      uid: u2,
      orid,
      payments: [
        { id: 'l1', revenue: 30 },
        { id: 'l2', revenue: 20 },
        { id: 'r1', revenue: -5 },
      ],
    });
    await eventually('SELECT count() AS n FROM payments FINAL WHERE uid = {u:UUID}', { u: u2 }).toBe(3);
    await expect.poll(() => ltvOf(u2), POLL).toBeCloseTo(45, 5);
  });
});

describe('short links (make test-functional-redirects)', () => {
  it('create → resolves at once → list (org-scoped) → delete → 404', async () => {
    const auth = { authorization: `Bearer ${keyA}` };
    const created = await post(
      '/tr/v1/rpi/redirect',
      { urlfrom: 'go.example/Test-Short', urlto: 'https://example.com/target?x=1' },
      auth,
    );
    expect(created.status).toBe(201);
    const hit = await get('/TEST-short', { 'x-forwarded-host': 'go.example' });
    expect(hit.status).toBe(302);
    expect(hit.headers.get('location')).toBe('https://example.com/target?x=1');
    await eventually("SELECT count() AS n FROM events WHERE ename = 'short_rdr'").toBe(1);
    await eventually("SELECT count() AS n FROM redirect_history WHERE slugfrom = '/test-short'").toBe(1);
    const [h] = await live.rows("SELECT pathto, hostto FROM redirect_history WHERE slugfrom = '/test-short'");
    expect(h).toEqual({ pathto: '/target', hostto: 'example.com' }); // the target's path, not the link's
    const mine = (await (await get('/tr/v1/rpi/redirects/go.example', auth)).json()) as {
      results: unknown[];
    };
    expect(mine.results).toHaveLength(1);
    const theirs = (await (
      await get('/tr/v1/rpi/redirects/go.example', { authorization: `Bearer ${keyB}` })
    ).json()) as { results: unknown[] };
    expect(theirs.results).toHaveLength(0); // another org sees none of them
    const stolen = await fetch(`${live.url}/tr/v1/rpi/redirects/go.example/test-short`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${keyB}` },
    });
    expect(stolen.status).toBe(403);
    const del = await fetch(`${live.url}/tr/v1/rpi/redirects/go.example/test-short`, {
      method: 'DELETE',
      headers: auth,
    });
    expect(del.status).toBe(204);
    expect((await get('/test-short', { 'x-forwarded-host': 'go.example' })).status).toBe(404);
  });

  it('a link to a tracked redirect on our host resolves in one hop and records one event', async () => {
    const urlto =
      'https://t.example/tr/v1/rdr/ename/hop_click?url=https%3A%2F%2Fexample.com%2Ffinal&utm_campaign=Hop';
    const auth = { authorization: `Bearer ${keyA}` };
    expect((await post('/tr/v1/rpi/redirect', { urlfrom: 'go.example/one-hop', urlto }, auth)).status).toBe(
      201,
    );
    const hit = await get('/one-hop', { 'x-forwarded-host': 'go.example' });
    expect(hit.status).toBe(302);
    expect(hit.headers.get('location')).toBe('https://example.com/final');
    await eventually("SELECT count() AS n FROM events WHERE last = '/one-hop'").toBe(1);
    const rows = await live.rows(
      "SELECT ename, etyp, campaign, url, toString(oid) AS oid FROM events WHERE last = '/one-hop'",
    );
    expect(rows).toEqual([
      { ename: 'hop_click', etyp: 'redirect', campaign: 'hop', url: 'https://example.com/final', oid: ORG_A },
    ]);
  });

  it('rejects missing or wrong API keys; unknown slugs are 404 without internal text', async () => {
    expect(
      (await post('/tr/v1/rpi/redirect', { urlfrom: 'go.example/x1', urlto: 'https://example.com/' })).status,
    ).toBe(401);
    expect(
      (
        await post(
          '/tr/v1/rpi/redirect',
          { urlfrom: 'go.example/x1', urlto: 'https://example.com/' },
          { authorization: 'Bearer nope.nope' },
        )
      ).status,
    ).toBe(401);
    const miss = await get('/nothing-here', { 'x-forwarded-host': 'go.example' });
    expect(miss.status).toBe(404);
    expect(await miss.json()).toEqual({ error: 'NOT_FOUND', message: 'no such link' });
  });
});

describe('privacy (make test-functional-privacy, -jurisdictions)', () => {
  it('agree writes consent; GET returns the latest record', async () => {
    const vid = 'a9000000-0000-4000-8000-000000000001';
    await post('/tr/v1/ppi/agree', { vid, cflags: 1, tz: 'Europe/Berlin', lat: 52.5, lon: 13.4 });
    await eventually('SELECT count() AS n FROM agreed WHERE vid = {vid:UUID}', { vid }).toBe(1);
    await new Promise((r) => setTimeout(r, 5));
    await post('/tr/v1/ppi/agree', { vid, cflags: 3 });
    await eventually('SELECT count() AS n FROM agreed WHERE vid = {vid:UUID}', { vid }).toBe(2);
    const latest = (await (await get(`/tr/v1/ppi/agree?vid=${vid}`)).json()) as { cflags: string };
    expect(Number(latest.cflags)).toBe(3);
    const [first] = await live.rows('SELECT country FROM agreed WHERE vid = {vid:UUID} AND cflags = 1', {
      vid,
    });
    expect(first).toEqual({ country: 'DE' });
    expect((await get('/tr/v1/ppi/agree?vid=a9000000-0000-4000-8000-0000000000ff')).status).toBe(404);
  });

  it('jds lists jurisdictions; geoip answers from the BIN file', async () => {
    await live.store.command(
      `INSERT INTO jurisdictions (regulation, compliance, seq, rules, locs) VALUES ('gdpr', 'cookie-time', 1, '{"analytics":730}', '{"country":"DE"}')`,
    );
    const jds = (await (await get('/tr/v1/ppi/jds')).json()) as { regulation: string }[];
    expect(jds.map((j) => j.regulation)).toEqual(['gdpr']);
    const geo = (await (await get('/tr/v1/ppi/geoip?ip=8.8.8.8')).json()) as { iso2: string };
    expect(geo.iso2).toBe('US');
  });
});

describe('end to end (make test-functional-e2e) and erase', () => {
  it('page view → signup → purchase → consent, then forget erases the visitor everywhere', async () => {
    const view = await get('/tr/v1/tr/ename/page_view', { cookie: 'CookieConsent=3' });
    const vid = vidCookie(view) ?? '';
    // the erase proof issued with the vid (an HttpOnly cookie)
    const vtok = /vtok=([^;]+)/.exec(view.headers.getSetCookie().join('\n'))?.[1];
    const cookie = `vid=${vid}; vtok=${vtok}; CookieConsent=3`;
    await post('/tr/v1/str/', { vid, ename: 'signup' });
    await post('/tr/v1/ltv/', { vid, amt: 49, orid: 'e2e00000-0000-4000-8000-000000000001' });
    await post('/tr/v1/ppi/agree', { vid, cflags: 3 }, { cookie });
    await eventually('SELECT count() AS n FROM events WHERE vid = {vid:UUID}', { vid }).toBe(2);
    await eventually('SELECT count() AS n FROM ltv WHERE id = {vid:UUID}', { vid }).toBe(1);
    await eventually('SELECT count() AS n FROM agreed WHERE vid = {vid:UUID}', { vid }).toBe(1);

    expect((await post('/tr/v1/ppi/forget', { vid })).status).toBe(401); // no key, no token
    expect((await post('/tr/v1/ppi/forget', { vid }, { cookie: `vid=${vid}` })).status).toBe(401);
    const res = await post('/tr/v1/ppi/forget', { vid }, { cookie });
    expect(res.status).toBe(202);
    const { request_id } = (await res.json()) as { request_id: string };
    await expect
      .poll(
        async () =>
          ((await (await get(`/tr/v1/ppi/forget/${request_id}`)).json()) as { status: string }).status,
        { timeout: 20_000 },
      )
      .toBe('done');
    for (const table of ['events', 'agreed', 'payments']) {
      expect(await count(`SELECT count() AS n FROM ${table} WHERE vid = {vid:UUID}`, { vid }), table).toBe(0);
    }
    expect(await count('SELECT count() AS n FROM ltv WHERE id = {vid:UUID}', { vid })).toBe(0);
  });
});
