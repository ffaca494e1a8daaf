// What the dashboard shows, as queries on the events table: every number on it comes from here, never
// from counters kept in memory. Each query is filtered by the time range (created_at, the event's time)
// and optionally by site (oid). A page view is an event named page_view or typed view (the browser
// client sends both; server-side senders may send either).
import {
  CAME_FROM_SQL,
  orUnknown,
  PAGE_SQL,
  PAGE_VIEW_SQL,
  VISITORS_SQL,
} from '../../monitoring/analytics-sql.ts';
import type { Store } from '../../store/index.ts';

/** The store side the analytics read through: the read-only reader (embedded) or the store (server). */
export type AnalyticsSource = Pick<Store, 'query'>;

export interface Range {
  readonly fromMs: number;
  readonly toMs: number;
  /** '' for every site. */
  readonly oid: string;
}

export interface Count {
  readonly key: string;
  readonly n: number;
}

export interface Totals {
  readonly events: number;
  readonly pageviews: number;
  readonly visitors: number;
}

export interface RecentEvent {
  readonly eid: string;
  /** The event's oid (named apart from the column, which the query filters on). */
  readonly site: string;
  readonly ename: string;
  readonly etyp: string;
  readonly url: string;
  readonly country: string;
  readonly device: string;
  readonly browser: string;
  readonly created: string;
  readonly received: string;
}

export interface AnalyticsRepository {
  totals(range: Range): Promise<Totals>;
  /** Events per bucket of `stepS` seconds over the range, empty buckets included (as 0). */
  series(range: Range, stepS: number): Promise<{ t: number; n: number }[]>;
  topPages(range: Range, limit: number): Promise<Count[]>;
  referrers(range: Range, limit: number): Promise<Count[]>;
  sources(range: Range, limit: number): Promise<Count[]>;
  countries(range: Range, limit: number): Promise<Count[]>;
  devices(range: Range, limit: number): Promise<Count[]>;
  browsers(range: Range, limit: number): Promise<Count[]>;
  /**
   * Page views carrying each consent bit (by bit number), and the page views they are a share of: consent
   * is a visitor's answer in a browser, which server events (mostly sent without cflags) would dilute.
   */
  consent(range: Range, bits: readonly number[]): Promise<{ total: number; byBit: Map<number, number> }>;
  /** Sites (oid) with events in the range, busiest first: every one, whichever the range selects (a picker). */
  sites(range: Range, limit: number): Promise<Count[]>;
  /** Events received after `afterMs` (the live feed), newest first. */
  recent(opts: { oid: string; afterMs: number; limit: number }): Promise<RecentEvent[]>;
}

const PAGE_VIEW = PAGE_VIEW_SQL;
const CAME_FROM = CAME_FROM_SQL;
const IN_RANGE = `created_at >= fromUnixTimestamp64Milli({fromMs:Int64}, 'UTC')
  AND created_at < fromUnixTimestamp64Milli({toMs:Int64}, 'UTC')
  AND ({oid:String} = '' OR oid = toUUIDOrZero({oid:String}))`;

const params = (r: Range) => ({ fromMs: r.fromMs, toMs: r.toMs, oid: r.oid });
const counts = (rows: { key: string; n: string | number }[]): Count[] =>
  rows.map((r) => ({ key: r.key, n: Number(r.n) }));

/** Top values of one expression over the range: `key` and `n`, busiest first, ties by name. */
function topSql(key: string, where = 'true'): string {
  return `SELECT ${key} AS key, count() AS n FROM events
    WHERE ${IN_RANGE} AND ${where} GROUP BY key ORDER BY n DESC, key LIMIT {limit:UInt32}`;
}

export function analyticsRepository(source: AnalyticsSource): AnalyticsRepository {
  const top = async (sql: string, r: Range, limit: number) =>
    counts(await source.query(sql, { ...params(r), limit }));
  return {
    async totals(r) {
      const [row] = await source.query<Record<keyof Totals, string | number>>(
        `SELECT count() AS events, countIf(${PAGE_VIEW}) AS pageviews, ${VISITORS_SQL} AS visitors
         FROM events WHERE ${IN_RANGE}`,
        params(r),
      );
      return {
        events: Number(row?.events ?? 0),
        pageviews: Number(row?.pageviews ?? 0),
        visitors: Number(row?.visitors ?? 0),
      };
    },
    async series(r, stepS) {
      const rows = await source.query<{ t: string | number; n: string | number }>(
        `SELECT toUnixTimestamp(toStartOfInterval(created_at, toIntervalSecond({step:UInt32}))) AS t, count() AS n
         FROM events WHERE ${IN_RANGE} GROUP BY t
         ORDER BY t WITH FILL
           FROM toUnixTimestamp(toStartOfInterval(fromUnixTimestamp64Milli({fromMs:Int64}, 'UTC'), toIntervalSecond({step:UInt32})))
           TO intDiv({toMs:Int64}, 1000) + 1 STEP {step:UInt32}`,
        { ...params(r), step: stepS },
      );
      return rows.map((row) => ({ t: Number(row.t) * 1000, n: Number(row.n) }));
    },
    topPages: (r, limit) => top(topSql(PAGE_SQL, PAGE_VIEW), r, limit),
    // The site a visitor came from when it is another one ('' is a direct visit); a single-page app's own
    // navigations come from the same host and are not referrals. A page view without a url, or without a
    // referrer on a url with no host (a page opened from disk), is counted too, so that the referrers add
    // up to the page views.
    referrers: (r, limit) =>
      top(
        topSql(
          `if(${CAME_FROM} = '', '(direct)', domain(${CAME_FROM}))`,
          `${PAGE_VIEW} AND (url = '' OR ${CAME_FROM} = '' OR domain(${CAME_FROM}) != domain(url))`,
        ),
        r,
        limit,
      ),
    sources: (r, limit) => top(topSql('source', "source != ''"), r, limit),
    countries: (r, limit) => top(topSql(orUnknown('country')), r, limit),
    devices: (r, limit) => top(topSql(orUnknown('device')), r, limit),
    browsers: (r, limit) => top(topSql(orUnknown('browser')), r, limit),
    async consent(r, bits) {
      const [total] = await source.query<{ n: string | number }>(
        `SELECT count() AS n FROM events WHERE ${IN_RANGE} AND ${PAGE_VIEW}`,
        params(r),
      );
      const rows = await source.query<{ bit: string | number; n: string | number }>(
        `SELECT bit, countIf(bitTest(cflags, bit)) AS n FROM events
         ARRAY JOIN {bits:Array(UInt8)} AS bit WHERE ${IN_RANGE} AND ${PAGE_VIEW} GROUP BY bit`,
        { ...params(r), bits: [...bits] },
      );
      const byBit = new Map(bits.map((b) => [b, 0]));
      for (const row of rows) byBit.set(Number(row.bit), Number(row.n));
      return { total: Number(total?.n ?? 0), byBit };
    },
    sites: (r, limit) => top(topSql('toString(oid)'), { ...r, oid: '' }, limit),
    recent: ({ oid, afterMs, limit }) =>
      source.query<RecentEvent>(
        `SELECT toString(eid) AS eid, toString(oid) AS site, ename, etyp, url, country, device, browser,
                toString(created_at) AS created, toString(received_at) AS received
         FROM events
         WHERE received_at > fromUnixTimestamp64Milli({afterMs:Int64}, 'UTC')
           AND ({oid:String} = '' OR oid = toUUIDOrZero({oid:String}))
         ORDER BY received_at DESC, created_at DESC, eid LIMIT {limit:UInt32}`,
        { oid, afterMs, limit },
      ),
  };
}
