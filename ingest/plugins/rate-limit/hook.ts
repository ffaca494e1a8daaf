// The rate-limit hook for tracking routes: one hit per request keyed by client IP (an IPv6 client by its
// /64: key.ts); over a limit → 429 with Retry-After. Probes and admin routes do not pass through it.
import type { FastifyRequest } from 'fastify';
import { IngestError } from '../../errors.ts';
import type { Metrics } from '../metrics.ts';
import { clientIp } from '../request-context.ts';
import { rateLimitKey } from './key.ts';
import type { RateLimiter } from './limiter.ts';

export function rateLimitHook(limiter: RateLimiter, metrics: Metrics, now: () => number) {
  return async (req: FastifyRequest): Promise<void> => {
    const verdict = await limiter.hit(rateLimitKey(clientIp(req)), now());
    if (verdict.ok) return;
    metrics.rateLimited.inc({ reason: verdict.reason });
    throw new IngestError('RATE_LIMITED', `rate limit exceeded (${verdict.reason})`, {
      retryAfterS: verdict.retryAfterS,
    });
  };
}
