// The configured rollup rules reach impression_daily on the embedded engine: events posted over real HTTP
// through the real data path are counted by the rules of `rollups.impressionDaily`, not by the defaults.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Live, startLive } from './testing/live.ts';

const OID = '0a000000-0000-4000-8000-00000000000a';
const UID = '6f1f7a5e-8f0c-4a1d-9a8e-2b1f0c3d4e5f';
const vid = (n: number) => `1d2c3b4a-0000-4000-8000-00000000000${n}`;

let live: Live;
beforeAll(async () => {
  live = await startLive({
    rollups: { impressionDaily: { impressionEnames: ['promo_view'], conversionEnames: ['purchase'] } },
  });
});
afterAll(() => live.close());

describe('rollups.impressionDaily on the embedded engine', () => {
  it('counts impressions, conversions and visitors by the configured rules', async () => {
    const base = { oid: OID, campaign: 'spring', xid: 'b' };
    const batch = [
      { ...base, vid: vid(1), etyp: 'impression', ename: 'ad' },
      { ...base, vid: vid(1), etyp: 'view', ename: 'promo_view', uid: UID },
      { ...base, vid: vid(2), etyp: 'impression', ename: 'ad' },
      { ...base, vid: vid(2), etyp: 'view', ename: 'purchase', uid: UID },
      // Counted by the defaults, not by these rules: no impression, no conversion.
      { ...base, vid: vid(3), etyp: 'view', ename: 'conversion' },
    ];
    const res = await fetch(`${live.url}/tr/v1/str/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(batch),
    });
    expect(res.status).toBe(200);
    const read = async () =>
      live.rows<Record<string, number>>(
        `SELECT sum(impressions) AS impressions, sum(anonymous_impressions) AS anonymous,
           sum(identified_impressions) AS identified, sum(conversions) AS conversions,
           uniqMerge(unique_visitors) AS visitors
         FROM impression_daily WHERE oid = {oid:UUID} AND campaign = 'spring' AND xid = 'b'`,
        { oid: OID },
      );
    await expect
      .poll(async () => Number((await read())[0]?.impressions ?? 0), { timeout: 10_000, interval: 50 })
      .toBe(3);
    expect((await read())[0]).toEqual({
      impressions: 3,
      anonymous: 2,
      identified: 1,
      conversions: 1,
      visitors: 2,
    });
  });
});
