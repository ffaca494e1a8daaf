// An allowance per client: a bucket of `perMinute` that refills at that rate, kept in this process (a
// bounded LRU: a flood of distinct clients cannot grow memory without limit). Unlike the request limits
// (limiter.ts) what is taken can be given back: an attempt takes one before its outcome is known, so
// attempts sent at once are bounded too, and gives it back when the outcome does not count.
import { growingLru, LRU_CALL } from '../../lru.ts';

interface Bucket {
  readonly left: number;
  readonly at: number;
}

export interface Allowance {
  /** Takes one from `key`'s bucket: true, or the seconds until one is there again. */
  take(key: string, now: number): true | number;
  /** Gives back one taken for what turned out not to count. */
  giveBack(key: string, now: number): void;
}

/** `perMinute` per key and minute; 0: unlimited. */
export function createAllowance(perMinute: number, maxKeys = 100_000): Allowance {
  const buckets = growingLru<string, Bucket>({ max: maxKeys });
  const perMs = perMinute / 60_000;
  const refilled = (key: string, now: number): Bucket => {
    const prev = buckets.get(key, LRU_CALL) ?? { left: perMinute, at: now };
    // never refilled for time going backwards
    const at = Math.max(prev.at, now);
    return { left: Math.min(perMinute, prev.left + (at - prev.at) * perMs), at };
  };
  return {
    take(key, now) {
      if (perMinute === 0) return true;
      const b = refilled(key, now);
      if (b.left < 1) {
        buckets.set(key, b, LRU_CALL);
        return Math.max(1, Math.ceil((1 - b.left) / perMs / 1000));
      }
      buckets.set(key, { left: b.left - 1, at: b.at }, LRU_CALL);
      return true;
    },
    giveBack(key, now) {
      if (perMinute === 0) return;
      const b = refilled(key, now);
      buckets.set(key, { left: Math.min(perMinute, b.left + 1), at: b.at }, LRU_CALL);
    },
  };
}
