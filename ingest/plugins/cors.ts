// CORS from configuration: never "*" together with credentials (browsers refuse it, and the config loader
// rejects it). A preflight allows exactly the request headers a browser on another origin has a reason to
// send to this ingest; anything else is refused by the browser, not by us.
//
// The answers are those @fastify/cors gave with these options (cors.test.ts compares the two request by
// request), from headers worked out once at start: the plugin merged its options into a new object and
// asked the request for its route options (Fastify builds a 12-field object per access) twice on every
// request, about 5 µs of a single-event request's ~100 µs on the event loop. One answer differs on
// purpose: an OPTIONS that is no preflight is refused as a coded error, not as the plugin's plain text.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config.ts';
import { IngestError } from '../errors.ts';

/** Request headers outside the CORS safelist that the ingest reads, so a preflight must allow them. */
const ALLOWED_REQUEST_HEADERS = [
  // JSON bodies as application/json (text/plain needs no preflight; both are read as JSON)
  'Content-Type',
  // gzip/deflate-compressed bodies (plugins/body-parsers.ts)
  'Content-Encoding',
  // a site's public write key (model/site-keys.ts)
  'X-Site-Key',
  // API keys (Bearer) of the short-link admin API and of erasure requests
  'Authorization',
  // the Go tracker's clients send event fields as JSON in a `User` header (model/collect.ts)
  'User',
  'Accept',
] as const;

/**
 * Response headers a cross-origin script may read beyond the safelisted ones: Retry-After tells a client
 * refused with 429/503 when to try again (the browser client waits that long).
 */
const EXPOSED_RESPONSE_HEADERS = ['Retry-After'] as const;
const ALLOWED_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS'] as const;
const PREFLIGHT_MAX_AGE_S = 86_400;

/** What every answer carries, and what a preflight adds, worked out from the configuration once. */
interface CorsPolicy {
  /** The origins echoed back, or '*' for any. */
  readonly origins: '*' | ReadonlySet<string>;
  readonly credentials: boolean;
}

function corsPolicy(config: Config): CorsPolicy | undefined {
  const { origins, credentials } = config.cors;
  if (origins.length === 0) return undefined;
  return { origins: origins.includes('*') ? '*' : new Set(origins), credentials };
}

const EXPOSE = EXPOSED_RESPONSE_HEADERS.join(', ');
const PREFLIGHT_HEADERS = {
  'access-control-allow-methods': ALLOWED_METHODS.join(', '),
  'access-control-allow-headers': ALLOWED_REQUEST_HEADERS.join(', '),
  'access-control-max-age': String(PREFLIGHT_MAX_AGE_S),
} as const;

/** A listed origin makes the answer depend on the request's Origin: caches must keep them apart. */
function varyOnOrigin(reply: FastifyReply): void {
  const vary = reply.getHeader('vary');
  if (vary === undefined || vary === '') reply.header('vary', 'Origin');
  else if (vary !== '*' && !/(^|,)\s*origin\s*(,|$)/i.test(String(vary)))
    reply.header('vary', `${String(vary)}, Origin`);
}

/** Most unlisted origins warned about: Origin is the client's to send, so the set must stay bounded. */
const MAX_WARNED_ORIGINS = 100;

/**
 * A request from an origin cors.origins does not list is handled (a tracking event is stored), but its
 * browser may not read the answer: the browser client takes that for a failure and sends it again, every
 * 30 s at most, for ever. Nothing told the operator; now the first request from each such origin is
 * logged (the first MAX_WARNED_ORIGINS of them), at the cost of a set lookup on the unlisted path only.
 */
function warnOnce(warned: Set<string>, req: FastifyRequest, origin: string): void {
  if (warned.has(origin) || warned.size >= MAX_WARNED_ORIGINS) return;
  warned.add(origin);
  req.log.warn(
    { origin },
    'a request from an origin not in cors.origins was handled, but its browser cannot read the answer ' +
      '(the browser client retries such requests): add the origin to cors.origins if its pages are yours',
  );
}

function addCorsHeaders(
  policy: CorsPolicy,
  req: FastifyRequest,
  reply: FastifyReply,
  warned: Set<string>,
): void {
  if (policy.origins === '*') reply.header('access-control-allow-origin', '*');
  else {
    varyOnOrigin(reply);
    const origin = req.headers.origin;
    if (origin !== undefined && policy.origins.has(origin))
      reply.header('access-control-allow-origin', origin);
    else if (origin !== undefined) warnOnce(warned, req, origin);
  }
  if (policy.credentials) reply.header('access-control-allow-credentials', 'true');
  reply.header('access-control-expose-headers', EXPOSE);
}

/**
 * An OPTIONS without Origin and Access-Control-Request-Method is no preflight, and nothing else here
 * answers OPTIONS: refused like every other bad request, in the JSON `{error, message}` shape (the
 * plugin this hook replaced wrote a text/plain "Invalid Preflight Request").
 */
const NOT_A_PREFLIGHT =
  'OPTIONS is answered only as a CORS preflight (Origin and Access-Control-Request-Method)';

/** A preflight is answered in the hook, before any route's own hooks (a key check, a rate limit) run. */
function answerPreflight(req: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void): void {
  if (!req.headers.origin || !req.headers['access-control-request-method']) {
    done(new IngestError('BAD_REQUEST', NOT_A_PREFLIGHT));
    return;
  }
  for (const [name, value] of Object.entries(PREFLIGHT_HEADERS)) reply.header(name, value);
  reply.code(204).header('content-length', '0').send();
}

/**
 * With CORS off (`cors.origins: []`) a preflight is still answered, 204 without any CORS header: its
 * browser then reports the plain CORS refusal (no Access-Control-Allow-Origin) instead of a 405 that reads
 * like a broken server. A route, not a hook: requests other than OPTIONS pay nothing.
 */
function registerPreflightRefusal(app: FastifyInstance): void {
  app.options('*', (req, reply) => {
    if (!req.headers.origin || !req.headers['access-control-request-method'])
      throw new IngestError('BAD_REQUEST', NOT_A_PREFLIGHT);
    reply.code(204).header('content-length', '0').send();
  });
}

export function registerCors(app: FastifyInstance, config: Config): void {
  const policy = corsPolicy(config);
  if (policy === undefined) {
    registerPreflightRefusal(app);
    return;
  }
  const warned = new Set<string>();
  app.addHook('onRequest', (req, reply, done) => {
    addCorsHeaders(policy, req, reply, warned);
    if (req.raw.method === 'OPTIONS') answerPreflight(req, reply, done);
    else done();
  });
  // Routes OPTIONS on every path to a route, so that the hook above sees preflights for any path; the hook
  // answers every one of them, so this handler never runs.
  app.options('*', (_req, reply) => {
    reply.callNotFound();
  });
}
