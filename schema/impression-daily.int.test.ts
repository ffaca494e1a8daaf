// impression_daily on the real engine (chdb): its numbers, read the way the table is meant to be read, equal
// the same aggregates computed directly on events, through several insert blocks, merges, a retried insert
// and a change of the rules (which applies to the events inserted after it).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedStore, type Row } from '../store/index.ts';
import { applyMigrations } from './migrate.ts';
import { ensureRollupSettings, type RollupRules } from './rollups.ts';

const database = 'impressions';
const rules: RollupRules = {
  impressionDaily: {
    impressionEtyps: ['impression'],
    impressionEnames: ['promo_view'],
    conversionEnames: ['conversion', 'purchase'],
  },
};

const ZERO = '00000000-0000-0000-0000-000000000000';
const uuid = (prefix: string, n: number) => `${prefix}-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;

/** A deterministic spread of events over 3 days, 2 orgs, 3 campaigns, 2 variants and 25 visitors. */
function events(count: number, seed: number, overrides: Partial<Row> = {}): Row[] {
  // mulberry32: a small seeded generator whose low bits are usable (an LCG's are not).
  let state = seed >>> 0;
  const next = (n: number) => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t ^= t + Math.imul(t ^ (t >>> 7), 61 | t);
    return ((t ^ (t >>> 14)) >>> 0) % n;
  };
  const etyps = ['impression', 'view', 'click', 'impression'];
  const enames = ['page_view', 'promo_view', 'conversion', 'purchase', 'signup', 'banner'];
  return Array.from({ length: count }, (_, i) => ({
    eid: uuid('e0000000', seed * 100_000 + i),
    vid: uuid('a0000000', next(25)),
    uid: next(3) === 0 ? ZERO : uuid('b0000000', next(10)),
    oid: uuid('0a000000', next(2)),
    created_at: `2026-03-0${1 + next(3)} 1${next(10)}:00:00.000`,
    etyp: etyps[next(etyps.length)],
    ename: enames[next(enames.length)],
    campaign: ['spring', 'summer', ''][next(3)],
    xid: ['a', 'b'][next(2)],
    ...overrides,
  }));
}

const list = (values: readonly string[]) => `[${values.map((v) => `'${v}'`).join(', ')}]`;

/** The aggregates straight from events, with the rules written into the query. */
function direct(r: RollupRules['impressionDaily'], where = '1'): string {
  const isImpression = `(etyp IN ${list(r.impressionEtyps)} OR ename IN ${list(r.impressionEnames)})`;
  const isConversion = `ename IN ${list(r.conversionEnames)}`;
  return `SELECT toString(oid) AS oid, toString(toDate(created_at)) AS day, campaign, xid,
      countIf(${isImpression}) AS impressions,
      countIf(${isImpression} AND uid = toUUID('${ZERO}')) AS anonymous,
      countIf(${isImpression} AND uid != toUUID('${ZERO}')) AS identified,
      countIf(${isConversion}) AS conversions,
      uniqExactIf(vid, ${isImpression} AND vid != toUUID('${ZERO}')) AS visitors
    FROM ${database}.events
    WHERE (${isImpression} OR ${isConversion}) AND ${where}
    GROUP BY oid, day, campaign, xid ORDER BY oid, day, campaign, xid`;
}

const ROLLUP = `SELECT toString(oid) AS oid, toString(day) AS day, campaign, xid,
    sum(impressions) AS impressions, sum(anonymous_impressions) AS anonymous,
    sum(identified_impressions) AS identified, sum(conversions) AS conversions,
    uniqMerge(unique_visitors) AS visitors
  FROM ${database}.impression_daily
  GROUP BY oid, day, campaign, xid ORDER BY oid, day, campaign, xid`;

let store: EmbeddedStore;
const rows = (sql: string) => store.query(sql);
const insert = (batch: Row[], token: string) => store.insert('events', batch, { dedupToken: token });

beforeAll(async () => {
  store = await EmbeddedStore.open({ path: mkdtempSync(join(tmpdir(), 'impressions-')), database });
  await applyMigrations(store, { database, rollups: rules });
});
afterAll(async () => {
  await store.close();
});

describe('impression_daily', () => {
  it('equals the aggregates computed on events, across insert blocks and after merges', async () => {
    for (let b = 1; b <= 4; b++) await insert(events(300, b), `batch-${b}`);
    const expected = await rows(direct(rules.impressionDaily));
    expect(expected.length).toBeGreaterThan(20);
    expect(await rows(ROLLUP)).toEqual(expected);
    await store.command(`OPTIMIZE TABLE ${database}.impression_daily FINAL`);
    expect(await rows(ROLLUP)).toEqual(expected);
  });

  it('does not count a retried insert twice', async () => {
    const before = await rows(ROLLUP);
    await insert(events(300, 2), 'batch-2');
    expect(await rows(ROLLUP)).toEqual(before);
  });

  it('applies changed rules to the events inserted after the change, and leaves counted ones alone', async () => {
    const banner = (seed: number, n: number) =>
      events(n, seed, { etyp: 'view', ename: 'banner_seen', created_at: '2026-03-09 12:00:00.000' });
    await insert(banner(50, 7), 'banner-before');
    const changed = {
      impressionDaily: { ...rules.impressionDaily, impressionEnames: ['promo_view', 'banner_seen'] },
    };
    expect(await ensureRollupSettings(store, database, changed)).toEqual([
      'impression_daily.impression_enames',
    ]);
    expect(await ensureRollupSettings(store, database, changed)).toEqual([]);
    await insert(banner(51, 11), 'banner-after');
    const [row] = await rows(
      `SELECT sum(impressions) AS n FROM ${database}.impression_daily WHERE day = '2026-03-09'`,
    );
    expect(Number(row?.n)).toBe(11);
    // The first days hold only events counted under the first rules: still the direct aggregates of those.
    const firstDays = await rows(ROLLUP.replace('GROUP BY', "WHERE day < '2026-03-09' GROUP BY"));
    expect(firstDays).toEqual(await rows(direct(rules.impressionDaily, "toDate(created_at) < '2026-03-09'")));
  });

  // Server events sent without a vid are stored with the zero vid: nobody, not a visitor of every group.
  it('counts no visitor for impressions that name none', async () => {
    const nobody = events(40, 9, { vid: ZERO, created_at: '2026-03-10 12:00:00.000', etyp: 'impression' });
    await insert(nobody, 'nobody');
    const day = await rows(ROLLUP.replace('GROUP BY', "WHERE day = '2026-03-10' GROUP BY"));
    expect(day.length).toBeGreaterThan(0);
    for (const row of day) expect(Number((row as { visitors: string }).visitors)).toBe(0);
    expect(day).toEqual(await rows(direct(rules.impressionDaily, "toDate(created_at) = '2026-03-10'")));
  });

  it('is derived only: anonymous plus identified impressions are the impressions', async () => {
    const [row] = await rows(
      `SELECT sum(impressions) = sum(anonymous_impressions) + sum(identified_impressions) AS ok FROM ${database}.impression_daily`,
    );
    expect(Number(row?.ok)).toBe(1);
  });
});
