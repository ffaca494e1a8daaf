// Visitors are people seen in a browser, the same number wherever it is read: /dashboard, Grafana's
// Analytics dashboard and the visitors rollup. A server event that names no visitor used to get a fresh
// random vid (9 visitors shown for 5 browsers); Grafana estimated with uniq where /dashboard counted
// exactly, named a page view without a url '' where /dashboard said '(none)', and took consent over page
// views where /dashboard took it over every event. Real HTTP, real data path, chdb.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../e2e/env/wait.ts';
import { ANALYTICS_PANELS } from '../../monitoring/dashboards/analytics.ts';
import { ALL, expandMacros } from '../../monitoring/testing/grafana-macros.ts';
import type { Overview } from '../routes/dashboard/overview.ts';
import { type Live, startLive } from '../testing/live.ts';

const SITE = '5e5e5e5e-0000-4000-8000-000000000001';
const browser = (n: number) => `b0000000-0000-4000-8000-00000000000${n}`;
let live: Live;

const post = async (path: string, body: unknown) => {
  const res = await live.post(path, body);
  if (res.status !== 200) throw new Error(`POST ${path} answered ${res.status}`);
};

beforeAll(async () => {
  live = await startLive();
  const view = (n: number, extra: Record<string, unknown> = {}) => ({
    ename: 'page_view',
    oid: SITE,
    vid: browser(n),
    url: `https://shop.example/p${n}`,
    cflags: 3,
    ...extra,
  });
  // five browsers (the first twice, one page view without a url and with marketing consent too)
  await post('/tr/v1/tr/', [view(1), view(1), view(2), view(3), view(4), view(5, { url: '', cflags: 7 })]);
  // server events: three name nobody (one with an id that is not a UUID), one names the first browser
  await post('/tr/v1/str/', [
    { ename: 'invoice_sent', oid: SITE },
    { ename: 'invoice_sent', oid: SITE },
    { ename: 'batch_test', oid: SITE, vid: 'batch-test-1' },
    { ename: 'signup', oid: SITE, vid: browser(1) },
  ]);
  await waitFor(async () => (await live.rows('SELECT eid FROM events')).length === 10, {
    what: 'the ten events in the store',
    timeoutMs: 20_000,
  });
});
afterAll(() => live?.close());

const grafana = <T>(title: string) => {
  const panel = ANALYTICS_PANELS.find((p) => p.title === title);
  const now = Math.floor(Date.now() / 1000);
  const sql = expandMacros(panel?.queries[0]?.expr ?? '', {
    from: now - 3600,
    to: now + 3600,
    intervalS: 60,
    vars: { oid: ALL, analytics_bit: '1', marketing_bit: '2' },
  });
  return live.rows<T>(sql);
};
const overview = async () =>
  (await (await fetch(`${live.url}/dashboard/api/overview?range=1h&oid=${SITE}`)).json()) as Overview;

describe('visitor counts', () => {
  it('count the five browsers, not the server events that name nobody, on both dashboards', async () => {
    expect((await overview()).totals).toEqual({ events: 10, pageviews: 6, visitors: 5 });
    const [totals] = await grafana<{ visitors: string }>('Totals');
    expect(Number(totals?.visitors)).toBe(5);
    const stored = await live.rows<{ vid: string; sid: string }>(
      "SELECT toString(vid) AS vid, toString(sid) AS sid FROM events WHERE ename = 'invoice_sent'",
    );
    const zero = '00000000-0000-0000-0000-000000000000';
    expect(stored).toEqual([
      { vid: zero, sid: zero },
      { vid: zero, sid: zero },
    ]);
  });

  it('the visitors and sessions rollups hold the same five visitors and no zero id', async () => {
    const visitors = await live.rows<{ vid: string; events: string }>(
      'SELECT toString(vid) AS vid, sum(events) AS events FROM visitors GROUP BY vid ORDER BY vid',
    );
    expect(visitors.map((v) => [v.vid, Number(v.events)])).toEqual([
      [browser(1), 3],
      [browser(2), 1],
      [browser(3), 1],
      [browser(4), 1],
      [browser(5), 1],
    ]);
    const zeroSessions = await live.rows('SELECT sid FROM sessions WHERE empty(sid)');
    expect(zeroSessions).toEqual([]);
  });

  it('name a page view without a url (none) and count its visitors exactly on both', async () => {
    const pages = (await overview()).pages;
    expect(pages).toContainEqual({ key: '(none)', n: 1 });
    const rows = await grafana<{ page: string; views: string; visitors: string }>('Top pages');
    const none = rows.find((r) => r.page === '(none)');
    expect([Number(none?.views), Number(none?.visitors)]).toEqual([1, 1]);
    expect(rows.find((r) => r.page === '/p1')).toMatchObject({ views: expect.anything() });
    expect(Number(rows.find((r) => r.page === '/p1')?.visitors)).toBe(1);
  });

  it('take the consent share over page views on both (server events carry no consent answer)', async () => {
    const { consent } = await overview();
    // six page views: five with cflags 3, one with 7 (marketing); the server events are not part of it
    expect(consent.total).toBe(6);
    expect(consent.bits.find((b) => b.name === 'marketing')?.n).toBe(1);
    const [share] = await grafana<{ analytics: number; marketing: number }>('Consent');
    expect([Number(share?.analytics), Number(share?.marketing)]).toEqual([100, Math.round(1000 / 6) / 10]);
  });
});
