// Least-recently-used caches that grow with use. lru-cache given `max` allocates its key, value, link and
// (with a TTL) expiry tables for `max` entries up front: the ingest's large bounds (200,000 event ids,
// 100,000 rate-limit keys, …) then cost ~15 MiB of heap in an idle process that may never see that many
// keys. Bounded by `maxSize` with every entry of size 1 instead, the tables are ordinary arrays that grow
// as entries arrive, and the bound and its eviction are the same: once `max` entries are held, storing
// another evicts the least recently used one. Small, hot memos keep lru-cache's `max` (preallocated typed
// tables are its fastest form and cost little at their size).
import { LRUCache } from 'lru-cache';

export interface GrowingLruOptions {
  /** At most this many entries (a positive integer). */
  readonly max: number;
  /** Entries expire this many ms after they were stored (lru-cache's `ttl`; 0 or absent: never). */
  readonly ttl?: number;
}

/** What lru-cache may hold: any value but null and undefined. */
type Storable = NonNullable<unknown>;

export function growingLru<K extends Storable, V extends Storable>(opts: GrowingLruOptions): LRUCache<K, V> {
  if (!Number.isInteger(opts.max) || opts.max < 1)
    throw new RangeError(`max must be a positive integer, got ${opts.max}`);
  return new LRUCache<K, V>({
    maxSize: opts.max,
    sizeCalculation: () => 1,
    ...(opts.ttl === undefined || opts.ttl === 0 ? {} : { ttl: opts.ttl }),
  });
}

/**
 * The options of every lru-cache get/has/set that has none on a request's path. lru-cache's methods take
 * `options = {}`, a new object per call, and store the call's diagnostics `status` in it (undefined unless
 * something subscribes to its diagnostics channel): so one shared object, not frozen, which it only ever
 * sets `status` on. Calls that pass real options (a `ttl`) build their own.
 */
export const LRU_CALL: Record<never, never> = {};
