// Wrong read credentials per client, on every listener that checks it (the SQL endpoint, the dashboard):
// the same allowance as the other failed authentications (rateLimits.authFailuresPerMinute,
// plugins/rate-limit/allowance.ts), so a client cannot guess the read password without end. Unlike the
// admin routes' guard (plugins/rate-limit/failures.ts) nothing is held while the request runs: the check
// is synchronous, so the attempt takes one from the bucket and gives it back in the same turn when the
// credential was right. A long read (or the dashboard's live stream) then never counts against its
// client, and a pool of concurrent reads with the right password is never refused. A request without
// any credential is no guess (a browser asks once without, then with): it costs nothing.
import type { FastifyRequest } from 'fastify';
import type { Allowance } from '../plugins/rate-limit/allowance.ts';
import { rateLimitKey } from '../plugins/rate-limit/key.ts';
import { clientIp } from '../plugins/request-context.ts';
import type { CredentialCheck, ReadCredential } from './credential.ts';

export interface ReadFailures {
  readonly allowance: Allowance;
  readonly now: () => number;
  /** Told each time a client is refused for its failures (a metric). */
  readonly refused?: () => void;
}

/**
 * Checks the request's read credential within its client's allowance: past it, throws `tooMany(seconds)`
 * before any check. Without `failures`, an unbounded check.
 */
export function checkBounded(
  req: FastifyRequest,
  credential: ReadCredential,
  failures: ReadFailures | undefined,
  tooMany: (retryAfterS: number) => Error,
): CredentialCheck {
  const headers = req.headers as Parameters<ReadCredential['check']>[0];
  if (failures === undefined) return credential.check(headers);
  const key = rateLimitKey(clientIp(req));
  const now = failures.now();
  const verdict = failures.allowance.take(key, now);
  if (verdict !== true) {
    failures.refused?.();
    throw tooMany(verdict);
  }
  const result = credential.check(headers);
  if (result !== 'wrong') failures.allowance.giveBack(key, now);
  return result;
}
