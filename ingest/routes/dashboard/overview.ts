// The dashboard's numbers for one time range and site: every figure is a query result from the analytics
// repository. The range is one of a few presets ending now; its bucket size keeps the chart to at most a
// few hundred points (one-minute buckets up to six hours).
import type { Config } from '../../config.ts';
import type { AnalyticsRepository, Count, Range, Totals } from '../../repositories/index.ts';

export const RANGES = {
  '15m': { seconds: 900, stepS: 60 },
  '1h': { seconds: 3600, stepS: 60 },
  '6h': { seconds: 21_600, stepS: 60 },
  '24h': { seconds: 86_400, stepS: 600 },
  '7d': { seconds: 604_800, stepS: 3600 },
  '30d': { seconds: 2_592_000, stepS: 21_600 },
} as const;
export type RangeKey = keyof typeof RANGES;
export const RANGE_KEYS = Object.keys(RANGES) as RangeKey[];

const TOP = 10;

export interface ConsentShare {
  readonly name: string;
  readonly bit: number;
  readonly n: number;
}

export interface Overview {
  readonly range: { key: RangeKey; fromMs: number; toMs: number; stepS: number };
  readonly oid: string;
  readonly totals: Totals;
  readonly series: { t: number[]; n: number[] };
  readonly pages: Count[];
  readonly referrers: Count[];
  readonly sources: Count[];
  readonly countries: Count[];
  readonly devices: Count[];
  readonly browsers: Count[];
  readonly consent: { total: number; bits: ConsentShare[] };
  readonly sites: Count[];
}

export function rangeOf(key: RangeKey, oid: string, nowMs: number): Range & { stepS: number } {
  const { seconds, stepS } = RANGES[key];
  // +1 ms: an event stamped this very millisecond is inside the range.
  return { fromMs: nowMs - seconds * 1000, toMs: nowMs + 1, oid, stepS };
}

export async function overview(
  analytics: AnalyticsRepository,
  privacy: Config['privacy'],
  key: RangeKey,
  oid: string,
  nowMs: number,
): Promise<Overview> {
  const r = rangeOf(key, oid, nowMs);
  const bits = Object.entries(privacy.consentBits).sort(([, a], [, b]) => a - b);
  // One after another: the embedded reader runs one read at a time anyway, and a server needs no burst.
  const totals = await analytics.totals(r);
  const series = await analytics.series(r, r.stepS);
  const consent = await analytics.consent(
    r,
    bits.map(([, bit]) => bit),
  );
  return {
    range: { key, fromMs: r.fromMs, toMs: r.toMs, stepS: r.stepS },
    oid,
    totals,
    series: { t: series.map((p) => p.t / 1000), n: series.map((p) => p.n) },
    pages: await analytics.topPages(r, TOP),
    referrers: await analytics.referrers(r, TOP),
    sources: await analytics.sources(r, TOP),
    countries: await analytics.countries(r, TOP),
    devices: await analytics.devices(r, TOP),
    browsers: await analytics.browsers(r, TOP),
    consent: {
      total: consent.total,
      bits: bits.map(([name, bit]) => ({ name, bit, n: consent.byBit.get(bit) ?? 0 })),
    },
    sites: await analytics.sites(r, 50),
  };
}
