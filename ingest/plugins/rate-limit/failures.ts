// Failed authentications per client (an IPv4 address, an IPv6 /64: key.ts). The short-link admin routes,
// erase requests and erase status reads check a credential (an API key or an account password, both
// scrypt hashes, or a request id) on every request: without a bound, one client could guess without end
// and make the ingest run scrypt for each guess. Each client has a bucket of `perMinute` failures,
// refilled at that rate. An attempt takes one failure from it before its credential is checked (so
// guesses sent at once are bounded too) and gives it back when the answer shows it was no failure:
// successes cost nothing. With the bucket empty the attempt is refused before any check: 429 with
// Retry-After, the time until a failure is allowed again. Counted in this process only: each replica
// allows its own `perMinute`.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { IngestError } from '../../errors.ts';
import { growingLru, LRU_CALL } from '../../lru.ts';
import type { Metrics } from '../metrics.ts';
import { clientIp } from '../request-context.ts';
import { rateLimitKey } from './key.ts';

interface Bucket {
  readonly failures: number;
  readonly at: number;
}

export interface FailureLimiter {
  /** Takes one failure from `key`'s bucket: true, or the seconds until one is allowed again. */
  take(key: string, now: number): true | number;
  /** Gives back a failure taken for an attempt that succeeded. */
  giveBack(key: string, now: number): void;
}

/** `perMinute` failures per client and minute; 0: unlimited. */
export function createFailureLimiter(perMinute: number, maxKeys = 100_000): FailureLimiter {
  const buckets = growingLru<string, Bucket>({ max: maxKeys });
  const perMs = perMinute / 60_000;
  const refilled = (key: string, now: number): Bucket => {
    const prev = buckets.get(key, LRU_CALL) ?? { failures: perMinute, at: now };
    // never refilled for time going backwards
    const at = Math.max(prev.at, now);
    return { failures: Math.min(perMinute, prev.failures + (at - prev.at) * perMs), at };
  };
  return {
    take(key, now) {
      if (perMinute === 0) return true;
      const b = refilled(key, now);
      if (b.failures < 1) {
        buckets.set(key, b, LRU_CALL);
        return Math.max(1, Math.ceil((1 - b.failures) / perMs / 1000));
      }
      buckets.set(key, { failures: b.failures - 1, at: b.at }, LRU_CALL);
      return true;
    },
    giveBack(key, now) {
      if (perMinute === 0) return;
      const b = refilled(key, now);
      buckets.set(key, { failures: Math.min(perMinute, b.failures + 1), at: b.at }, LRU_CALL);
    },
  };
}

/** The route hooks of a guarded route: `onRequest` first among the route's own, `onResponse`. */
export interface FailureGuard {
  readonly onRequest: (req: FastifyRequest) => Promise<void>;
  readonly onResponse: (req: FastifyRequest, reply: FastifyReply) => Promise<void>;
}

/**
 * Guards routes whose answers with one of `failed` statuses (401 for a refused credential, 404 for an
 * unknown request id) are failed authentications.
 */
export function failureGuard(
  limiter: FailureLimiter,
  metrics: Pick<Metrics, 'rateLimited'>,
  now: () => number,
  failed: readonly number[],
): FailureGuard {
  const taken = new WeakMap<FastifyRequest, string>();
  return {
    onRequest: async (req) => {
      const key = rateLimitKey(clientIp(req));
      const verdict = limiter.take(key, now());
      if (verdict !== true) {
        metrics.rateLimited.inc({ reason: 'auth_failures' });
        throw new IngestError('RATE_LIMITED', 'too many failed authentications from this client', {
          retryAfterS: verdict,
        });
      }
      taken.set(req, key);
    },
    onResponse: async (req, reply) => {
      const key = taken.get(req);
      if (key !== undefined && !failed.includes(reply.statusCode)) limiter.giveBack(key, now());
    },
  };
}
