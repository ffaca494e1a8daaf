// With the IP mode that keeps addresses, the daily rollups by IP (ips, dailies: fed from events by
// materialized views, no vid or uid in them) kept an erased visitor's raw IP for as long as their TTL:
// the erasure deleted from the tables holding a vid or uid only. Real HTTP, real data path, chdb.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { post, statusOf } from '../testing/erase-http.ts';
import { type Live, setCookies, startLive } from '../testing/live.ts';

const ERASED_IP = '198.51.100.7';
const KEPT_IP = '198.51.100.8';
const POLL = { timeout: 20_000, interval: 50 };
let live: Live;

beforeAll(async () => {
  live = await startLive({ privacy: { ipMode: 'keep' } });
});
afterAll(() => live.close());

/** A page view from the address: the new visitor's vid and visitor token. */
async function visitFrom(ip: string): Promise<{ vid: string; vtok: string }> {
  const res = await live.post(
    '/tr/v1/tr/',
    { ename: 'page_view' },
    { cookie: 'CookieConsent=3', 'x-forwarded-for': ip },
  );
  expect(res.status).toBe(200);
  const { vid = '', vtok = '' } = setCookies(res);
  return { vid, vtok };
}

const ipsIn = async (table: string) =>
  (await live.rows<{ ip: string }>(`SELECT DISTINCT ip FROM ${table} ORDER BY ip`)).map((r) => r.ip);

describe('an erase request with the IP mode keep', () => {
  it("removes the visitor's raw IP from the daily rollups by IP", async () => {
    const erased = await visitFrom(ERASED_IP);
    await visitFrom(KEPT_IP);
    for (const table of ['ips', 'dailies'])
      await expect.poll(() => ipsIn(table), POLL).toEqual([ERASED_IP, KEPT_IP]);

    const res = await post(
      `${live.url}/tr/v1/ppi/forget`,
      { vid: erased.vid },
      `vid=${erased.vid}; vtok=${erased.vtok}`,
    );
    expect(res.status).toBe(202);
    const { request_id, tables } = (await res.json()) as { request_id: string; tables: string[] };
    expect(tables).toEqual(expect.arrayContaining(['events', 'ips', 'dailies']));
    await expect.poll(() => statusOf(live.url, request_id), POLL).toBe('done');

    for (const table of ['events', 'ips', 'dailies'])
      expect({ table, ips: await ipsIn(table) }).toEqual({ table, ips: [KEPT_IP] });
  });
});
