// Rate limits: a per-IP token bucket for bursts and a per-IP daily quota. An IP not seen today simply starts
// at zero (it must never count as over the limit).
// Both are kept in this process (bounded LRUs, so a flood of distinct IPs cannot grow memory without limit)
// or, with `rateLimits.shared: nats`, in NATS KV so every replica draws from the same bucket and quota.
// When the shared store fails, the request is counted by this process's own limits instead: a limiter
// outage must not become an ingest outage (the same choice as @fastify/rate-limit's skipOnError).
import { beforeDeadline } from '../../deadline.ts';
import { growingLru, LRU_CALL } from '../../lru.ts';

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

/** A token bucket per key: capacity `rate`, refilled at `rate` tokens per second; a hit takes one. */
export interface BurstBucket {
  take(key: string, now: number, rate: number): Promise<Verdict>;
}

/** Stores shared by every replica; each one that is absent is kept in this process. */
export interface SharedLimits {
  readonly daily?: DailyCounter;
  readonly burst?: BurstBucket;
  /** A shared store failed and this request was counted locally instead. */
  readonly onSharedError?: (err: unknown) => void;
  /**
   * Longest one hit waits for the shared stores, burst and daily together; past it the hit is counted
   * locally. Default: no bound beyond each store's own.
   */
  readonly timeoutMs?: number;
}

const DAY_MS = 86_400_000;
export const utcDay = (now: number) => new Date(now).toISOString().slice(0, 10);
const secondsToMidnight = (now: number) => Math.max(1, Math.ceil((DAY_MS - (now % DAY_MS)) / 1000));

export interface BucketState {
  readonly tokens: number;
  readonly at: number;
}

/**
 * One hit on a bucket: refill for the time since `state.at` (never for time going backwards, which a
 * replica with a slower clock would otherwise cause), then take a token if there is one.
 */
export function drawToken(
  state: BucketState | undefined,
  now: number,
  rate: number,
): { next: BucketState; verdict: Verdict } {
  const prev = state ?? { tokens: rate, at: now };
  const at = Math.max(prev.at, now);
  const tokens = Math.min(rate, prev.tokens + ((at - prev.at) / 1000) * rate);
  if (tokens >= 1) return { next: { tokens: tokens - 1, at }, verdict: { ok: true } };
  const retryAfterS = Math.max(1, Math.ceil((1 - tokens) / rate));
  return { next: { tokens, at }, verdict: { ok: false, reason: 'burst', retryAfterS } };
}

export function createLocalBucket(maxKeys: number): BurstBucket {
  const buckets = growingLru<string, BucketState>({ max: maxKeys });
  return {
    take: async (key, now, rate) => {
      const { next, verdict } = drawToken(buckets.get(key, LRU_CALL), now, rate);
      buckets.set(key, next, LRU_CALL);
      return verdict;
    },
  };
}

function createLocalDaily(maxKeys: number): DailyCounter {
  const counts = growingLru<string, number>({ max: maxKeys });
  return {
    increment: async (key, day) => {
      const k = `${day}|${key}`;
      const n = (counts.get(k, LRU_CALL) ?? 0) + 1;
      counts.set(k, n, LRU_CALL);
      return n;
    },
    close: async () => {},
  };
}

/** The shared call, or the local one when the shared store throws or has not answered by `until`. */
async function sharedOrLocal<T>(
  shared: (() => Promise<T>) | undefined,
  local: () => Promise<T>,
  onError: (err: unknown) => void,
  until: number,
): Promise<T> {
  if (shared === undefined) return local();
  try {
    return await beforeDeadline(shared, until, 'shared rate limit');
  } catch (err) {
    onError(err);
    return local();
  }
}

export function createRateLimiter(settings: LimitSettings, shared: SharedLimits = {}): RateLimiter {
  const maxKeys = settings.maxKeys ?? 100_000;
  const onError = shared.onSharedError ?? (() => {});
  const localBucket = createLocalBucket(maxKeys);
  const localDaily = createLocalDaily(maxKeys);
  const { burst: sharedBurst, daily: sharedDaily } = shared;
  const take = async (key: string, now: number, until: number): Promise<Verdict> => {
    if (settings.burst === 0) return { ok: true };
    const viaShared = sharedBurst && (() => sharedBurst.take(key, now, settings.burst));
    return sharedOrLocal(viaShared, () => localBucket.take(key, now, settings.burst), onError, until);
  };
  const count = (key: string, day: string, until: number): Promise<number> => {
    const viaShared = sharedDaily && (() => sharedDaily.increment(key, day));
    return sharedOrLocal(viaShared, () => localDaily.increment(key, day), onError, until);
  };
  return {
    async hit(key, now) {
      // the wall clock, not `now` (the request's time, which tests freeze): the bound is on real waiting
      const until = Date.now() + (shared.timeoutMs ?? Number.POSITIVE_INFINITY);
      const burst = await take(key, now, until);
      if (!burst.ok) return burst;
      if (settings.perDay === 0) return { ok: true };
      const n = await count(key, utcDay(now), until);
      return n > settings.perDay
        ? { ok: false, reason: 'daily', retryAfterS: secondsToMidnight(now) }
        : { ok: true };
    },
    close: async () => sharedDaily?.close(),
  };
}
