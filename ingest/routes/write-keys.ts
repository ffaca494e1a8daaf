// API keys on the server-side write routes: `/str` (server events) and `/ltv` (payments), each when
// `apiKeys.requiredFor` lists it. Off by default, because the Go tracker took both from anyone and its
// clients send no key. A server event or a payment is sent by the site's own backend, never by a browser,
// so unlike a site key (public, shipped in a page) an API key here is a secret: with it required, nobody
// else can put payments into the lifetime values or events into the org. What a keyed request writes
// belongs to the key's org, whatever oid or org its body names, as a site key binds its events. On an open
// route a request may still carry a key: its Bearer header is checked and binds the writes the same way,
// never ignored (a wrong key was answered 200, and a right one wrote under whatever oid the body named).
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Principal } from '../auth/api-keys.ts';
import { apiKeyPrincipal, bearerKey } from '../auth/bearer.ts';
import type { AppDeps } from '../deps.ts';
import type { FailureGuard } from '../plugins/rate-limit/failures.ts';
import type { RouteLimit } from './shared.ts';

export type WriteRoute = 'str' | 'ltv';
type Hook = (req: FastifyRequest, reply: FastifyReply) => Promise<void> | void;
type Raw = Record<string, unknown>;

const writers = new WeakMap<FastifyRequest, Principal>();

/** The key a request to a keyed write route was authenticated with; undefined when the route is open. */
export const writerOf = (req: FastifyRequest): Principal | undefined => writers.get(req);

/**
 * The route options of a write route: its rate limit (`limit`, as every tracking route has) and the key
 * check with the bound on failed credentials, both before the body is read (a caller without a key learns
 * nothing of what a valid body looks like, and pays no parse): on every request when the route is keyed,
 * on a request with a Bearer header when it is open (another scheme, or none, is no key).
 */
export function writeRouteHooks(
  route: WriteRoute,
  deps: Pick<AppDeps, 'config' | 'apiKeys'>,
  guard: FailureGuard,
  limit: RouteLimit,
): { onRequest: Hook[]; onResponse: Hook } {
  const required = deps.config.apiKeys.requiredFor.includes(route);
  const authenticate: Hook = async (req) => {
    if (!required && bearerKey(req.headers.authorization) === undefined) return;
    await guard.onRequest(req);
    writers.set(req, await apiKeyPrincipal(req.headers.authorization, deps.apiKeys));
  };
  const first = limit.onRequest === undefined ? [] : [limit.onRequest];
  return { onRequest: [...first, authenticate], onResponse: guard.onResponse };
}

/** Events or payment lines bound to the key's org; unchanged on an open route. */
export function bindToWriter(raws: readonly Raw[], who: Principal | undefined): readonly Raw[] {
  if (who === undefined) return raws;
  return raws.map((raw) => ({ ...raw, oid: who.oid, org: who.org }));
}
