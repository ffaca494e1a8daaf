// Events read back by the ingest itself: the client eids received recently, from which the retry window
// (model/eid-window.ts) is reloaded at start.
import type { Store } from '../../store/index.ts';

export interface RecentEid {
  readonly eid: string;
  /** How long ago it was received. */
  readonly ageMs: number;
}

export interface EventRepository {
  /** Client-supplied eids received within the last `windowMs`, newest first, at most `max`. */
  recentClientEids(windowMs: number, max: number): Promise<RecentEid[]>;
}

export const eventRepository = (store: Store): EventRepository => ({
  async recentClientEids(windowMs, max) {
    const rows = await store.query<{ eid: string; age: string | number }>(
      `SELECT toString(eid) AS eid, dateDiff('millisecond', received_at, now64(3, 'UTC')) AS age FROM events
       WHERE client_eid AND received_at >= now64(3, 'UTC') - toIntervalMillisecond({w:UInt64})
       ORDER BY received_at DESC LIMIT {n:UInt32}`,
      { w: windowMs, n: max },
    );
    return rows.map((r) => ({ eid: r.eid, ageMs: Number(r.age) }));
  },
});
