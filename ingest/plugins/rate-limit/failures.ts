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
import type { Metrics } from '../metrics.ts';
import { clientIp } from '../request-context.ts';
import type { Allowance } from './allowance.ts';
import { rateLimitKey } from './key.ts';

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
  limiter: Allowance,
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
