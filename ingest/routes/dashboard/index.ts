// The live dashboard at /dashboard: a page, its hashed assets, the numbers of a time range and site
// (api/overview), the newest events (api/events) and the live feed of events as they are stored
// (api/live, server-sent events). It asks for the read credential (HTTP Basic) unless the server
// listens on loopback only; `dashboard.auth: always` asks every time.
import type { FastifyReply, FastifyRequest } from 'fastify';
import Type from 'typebox';
import type { ReadCredential } from '../../auth/credential.ts';
import { checkBounded, type ReadFailures } from '../../auth/read-failures.ts';
import type { AppDeps } from '../../deps.ts';
import { IngestError } from '../../errors.ts';
import type { RouteApp } from '../shared.ts';
import { IMMUTABLE, loadDashboardAssets, REVALIDATE } from './assets.ts';
import { createLiveFeed, readFailureLog } from './live.ts';
import { overview, RANGE_KEYS, type RangeKey } from './overview.ts';
import { streamLive } from './sse.ts';

// A site is a UUID (the zero one is "(no site)"), or empty for every site. Any 36 hex digits and dashes
// were taken: a mistyped site selected nothing and the dashboard showed zeros, as for a quiet site.
const HEX = (n: number) => `[0-9a-fA-F]{${n}}`;
const Oid = Type.String({
  pattern: `^$|^${HEX(8)}-${HEX(4)}-${HEX(4)}-${HEX(4)}-${HEX(12)}$`,
  default: '',
  description: 'a UUID, or empty for every site',
});
const OverviewQuery = Type.Object({
  range: Type.Union(
    RANGE_KEYS.map((k) => Type.Literal(k)),
    { default: '1h' },
  ),
  oid: Oid,
});
const EventsQuery = Type.Object({
  oid: Oid,
  limit: Type.Integer({ minimum: 1, maximum: 200, default: 20 }),
});
const LiveQuery = Type.Object({ oid: Oid, after: Type.Integer({ minimum: 0, default: 0 }) });

/**
 * A site as the store writes it (lower case): the live feed matches events to a site by that text, so
 * an upper-case oid in the URL (a GUID as .NET writes one) got its numbers but never a live event.
 */
const site = (oid: string) => oid.toLowerCase();

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

/** Whether the dashboard asks for the credential (anything but a loopback-only listener, or always). */
export function dashboardNeedsCredential(config: AppDeps['config']): boolean {
  return config.dashboard.auth === 'always' || !LOOPBACK.test(config.server.host);
}

const CORS_HEADERS = [
  'access-control-allow-origin',
  'access-control-allow-credentials',
  'access-control-expose-headers',
] as const;

/**
 * The dashboard is a page of its own origin: no other origin's script may read its numbers or its events.
 * The ingest's CORS (cors.origins, "*" by default, for the tracking routes) answered its requests too, so
 * any web page open in the browser of someone running the ingest on loopback, where the dashboard asks for
 * no credential, could read all of it.
 */
async function sameOriginOnly(_req: unknown, reply: { removeHeader(k: string): unknown }): Promise<void> {
  for (const name of CORS_HEADERS) reply.removeHeader(name);
}

/** `localhost:8080`, `127.0.0.1`, `[::1]:8080`: the names a browser on this machine reaches loopback by. */
const LOOPBACK_HOST = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?$/i;

/**
 * Fails closed: when the credential is needed but missing, nobody gets in. On loopback it is not asked
 * of a browser that names the server by a loopback name; a page whose own name was made to resolve to
 * 127.0.0.1 (DNS rebinding) is the page's origin to the browser, and its requests carry that name.
 */
function guard(needed: boolean, credential: ReadCredential | undefined, failures: ReadFailures) {
  return async (req: FastifyRequest, reply: FastifyReply) => {
    if (!needed && LOOPBACK_HOST.test(String(req.headers.host ?? ''))) return;
    if (credential !== undefined && checkBounded(req, credential, failures, tooMany) === 'ok') return;
    reply.header('www-authenticate', 'Basic realm="Tracker dashboard", charset="UTF-8"');
    throw new IngestError(
      'UNAUTHORIZED',
      'the dashboard needs the read credential (sql.username and its password)',
    );
  };
}

const tooMany = (retryAfterS: number) =>
  new IngestError('RATE_LIMITED', 'too many failed authentications from this client', { retryAfterS });

export function dashboardRoutes(app: RouteApp, deps: AppDeps, failures: ReadFailures): void {
  const { config } = deps;
  const assets = loadDashboardAssets();
  const analytics = deps.repositories.analytics;
  const feed = createLiveFeed(
    analytics,
    config.dashboard.liveIntervalMs,
    readFailureLog((fields, msg) => app.log.warn(fields, msg)),
  );
  const streams = new Set<() => void>();
  // Open event streams would hold a graceful shutdown forever: end them first.
  app.addHook('preClose', async () => {
    for (const end of streams) end();
    feed.close();
  });
  const onRequest = [sameOriginOnly, guard(dashboardNeedsCredential(config), deps.readCredential, failures)];

  app.get('/dashboard', { onRequest }, async (req, reply) => {
    reply.header('cache-control', REVALIDATE).header('etag', assets.pageEtag);
    if (req.headers['if-none-match'] === assets.pageEtag) return reply.status(304).send();
    return reply
      .type('text/html; charset=utf-8')
      .header('content-security-policy', "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'")
      .header('x-content-type-options', 'nosniff')
      .send(assets.page);
  });

  app.get('/dashboard/assets/:file', { onRequest }, async (req, reply) => {
    const asset = assets.byPath.get(req.url.split('?')[0] ?? '');
    if (asset === undefined) throw new IngestError('NOT_FOUND', 'no such dashboard asset');
    return reply.type(asset.type).header('cache-control', IMMUTABLE).send(asset.body);
  });

  app.get(
    '/dashboard/api/overview',
    { onRequest, schema: { querystring: OverviewQuery } },
    async (req, reply) => {
      const now = deps.now?.() ?? Date.now();
      const range = req.query.range as RangeKey;
      const body = await overview(analytics, config.privacy, range, site(req.query.oid), now);
      return reply.header('cache-control', 'no-store').send(body);
    },
  );

  app.get(
    '/dashboard/api/events',
    { onRequest, schema: { querystring: EventsQuery } },
    async (req, reply) => {
      const events = await analytics.recent({ oid: site(req.query.oid), afterMs: 0, limit: req.query.limit });
      return reply.header('cache-control', 'no-store').send({ events });
    },
  );

  app.get('/dashboard/api/live', { onRequest, schema: { querystring: LiveQuery } }, async (req, reply) => {
    streamLive(req, reply, { feed, streams, oid: site(req.query.oid), afterMs: req.query.after });
  });
}
