// Rate limits: a per-IP token bucket for bursts and a per-IP daily quota. An IP not seen today simply starts
// at zero (it must never count as over the limit).
// Counters are bounded (LRU), so a flood of distinct IPs cannot grow memory without limit.
import { LRUCache } from 'lru-cache';

export type Verdict = { ok: true } | { ok: false; reason: 'burst' | 'daily'; retryAfterS: number };

export interface RateLimiter {
  /** Count one request from `key` (the client IP) at `now`. */
  hit(key: string, now: number): Promise<Verdict>;
  close(): Promise<void>;
}

export interface LimitSettings {
  /** Requests per day per key; 0 disables. */
  readonly perDay: number;
  /** Requests per second per key (bucket capacity and refill rate); 0 disables. */
  readonly burst: number;
  /** Most keys tracked at once. */
  readonly maxKeys?: number;
}

/** Shared daily counters (e.g. NATS KV). Returns the count after adding one. */
export interface DailyCounter {
  increment(key: string, day: string): Promise<number>;
  close(): Promise<void>;
}

const DAY_MS = 86_400_000;
export const utcDay = (now: number) => new Date(now).toISOString().slice(0, 10);
const secondsToMidnight = (now: number) => Math.max(1, Math.ceil((DAY_MS - (now % DAY_MS)) / 1000));

function createBucket(settings: LimitSettings) {
  const buckets = new LRUCache<string, { tokens: number; at: number }>({ max: settings.maxKeys ?? 100_000 });
  return (key: string, now: number): Verdict => {
    const rate = settings.burst;
    const b = buckets.get(key) ?? { tokens: rate, at: now };
    b.tokens = Math.min(rate, b.tokens + ((now - b.at) / 1000) * rate);
    b.at = now;
    buckets.set(key, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return { ok: true };
    }
    return { ok: false, reason: 'burst', retryAfterS: Math.max(1, Math.ceil((1 - b.tokens) / rate)) };
  };
}

function createLocalDaily(maxKeys: number): DailyCounter {
  const counts = new LRUCache<string, number>({ max: maxKeys });
  return {
    increment: async (key, day) => {
      const k = `${day}|${key}`;
      const n = (counts.get(k) ?? 0) + 1;
      counts.set(k, n);
      return n;
    },
    close: async () => {},
  };
}

/**
 * Burst limits are always local (a second is too short to share usefully); the daily quota uses the
 * shared counter when one is given (NATS KV across replicas), an in-process one otherwise.
 */
export function createRateLimiter(settings: LimitSettings, shared?: DailyCounter): RateLimiter {
  const bucket = settings.burst > 0 ? createBucket(settings) : undefined;
  const daily = settings.perDay > 0 ? (shared ?? createLocalDaily(settings.maxKeys ?? 100_000)) : undefined;
  return {
    async hit(key, now) {
      const burst = bucket?.(key, now);
      if (burst !== undefined && !burst.ok) return burst;
      if (daily === undefined) return { ok: true };
      const n = await daily.increment(key, utcDay(now));
      return n > settings.perDay
        ? { ok: false, reason: 'daily', retryAfterS: secondsToMidnight(now) }
        : { ok: true };
    },
    close: async () => daily?.close(),
  };
}
