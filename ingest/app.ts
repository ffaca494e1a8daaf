// buildApp: the Fastify application, separate from listen() (server.ts) so tests use inject() and real
// HTTP alike. Cross-cutting concerns are plugins; each route family registers itself from routes/<name>/.
// buildApps adds the operations app (/metrics, /status) over the same deps, for a listener of its own
// (server.opsPort): what they tell (load, versions, the store's state) is for Prometheus, not the public.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance, type FastifyServerOptions, LogController } from 'fastify';
import type { ReadFailures } from './auth/read-failures.ts';
import type { Config } from './config.ts';
import type { AppDeps } from './deps.ts';
import { registerBodyParsers } from './plugins/body-parsers.ts';
import { capConnections, type Listener } from './plugins/connection-cap.ts';
import { registerCookies } from './plugins/cookies.ts';
import { registerCors } from './plugins/cors.ts';
import {
  clientErrorHandler,
  frameworkErrors,
  registerErrorHandling,
  schemaErrorFormatter,
} from './plugins/errors.ts';
import { lazyChildren } from './plugins/lazy-logger.ts';
import { createMetrics, type Metrics } from './plugins/metrics.ts';
import { createAllowance } from './plugins/rate-limit/allowance.ts';
import { failureGuard } from './plugins/rate-limit/failures.ts';
import { rateLimitHook } from './plugins/rate-limit/hook.ts';
import { registerRequestMetrics } from './plugins/request-metrics.ts';
import { registerSecurityHeaders } from './plugins/security-headers.ts';
import { refusePlainHttp } from './plugins/tls-required.ts';
import { registerWebSocket } from './plugins/websocket.ts';
import { clientRoutes } from './routes/client/index.ts';
import { dashboardRoutes } from './routes/dashboard/index.ts';
import { ltvRoutes } from './routes/ltv/index.ts';
import { opsRoutes } from './routes/ops/index.ts';
import { operationsRoutes } from './routes/ops/operations.ts';
import { ppiRoutes } from './routes/ppi/index.ts';
import { redirectRoutes } from './routes/redirect/index.ts';
import type { AuthGuards } from './routes/shared.ts';
import { shortLinkRoutes } from './routes/shortlinks/index.ts';
import { trackRoutes } from './routes/track/index.ts';
import { WS_PATH, type WsConnections, wsRoutes } from './routes/ws/index.ts';
import { createTracking } from './tracking.ts';

export interface BuildOptions {
  readonly logger?: FastifyServerOptions['logger'];
}

function fastifyOptions(deps: AppDeps, opts: BuildOptions): FastifyServerOptions {
  const { server } = deps.config;
  return {
    logger: opts.logger ?? false,
    // Requests are counted and timed by metrics, and failures logged by the error handler: a log line
    // per request (two, at info) would cost a busy ingest more than handling the event itself.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: server.bodyLimitBytes,
    // only peers in the trusted CIDR list may set X-Forwarded-For/-Host: anyone else could forge them
    trustProxy: server.trustedProxies.length > 0 ? [...server.trustedProxies] : false,
    requestTimeout: server.requestTimeoutMs,
    // Node's defaults (headers 60 s, each limit checked every 30 s) let a request drip-fed a byte at a
    // time hold its connection for up to 95 s whatever requestTimeout said (the slowloris attack)
    http: nodeTimeouts(server),
    connectionTimeout: 60_000,
    keepAliveTimeout: 65_000,
    routerOptions: { maxParamLength: 4096 },
    // A request that still reaches a route while the ingest closes (one already sent on a busy keep-alive
    // connection) is handled and stored like any other, its connection then closed: the data path accepts
    // appends until the drain after close(), and Fastify's own 503 would carry neither the catalogue's
    // body nor Retry-After.
    return503OnClosing: false,
    clientErrorHandler,
    frameworkErrors,
    schemaErrorFormatter,
    // Fastify's Ajv coerces 'array' by default: a one-element array passed for a scalar ({"cflags":[3]})
    // was unwrapped and stored as if 3 had been sent. Scalars are still coerced (the query string's "3").
    // verbose: a failed check carries its schema, from which a refusal names what was expected.
    ajv: { customOptions: { coerceTypes: true, verbose: true } },
    ...(deps.https === undefined
      ? {}
      : { https: { key: deps.https.key, cert: deps.https.cert, ...nodeTimeouts(server) } }),
  } as FastifyServerOptions;
}

/**
 * The header limit and how often Node checks both limits, for http(s).createServer: a check every tenth of
 * the shorter limit (at most every second) holds each within that much. Node refuses a header limit longer
 * than the request's.
 */
function nodeTimeouts(server: Config['server']) {
  const headersTimeout = Math.min(server.headersTimeoutMs, server.requestTimeoutMs);
  const connectionsCheckingInterval = Math.max(10, Math.min(1000, Math.floor(headersTimeout / 10)));
  return { headersTimeout, connectionsCheckingInterval };
}

/**
 * Node's server.close() drops the connections idle at that moment; a keep-alive connection busy then is kept
 * after its answer until the client's keep-alive ends, and close() waits for it: on SIGTERM under load the
 * drain's deadline ran out before the data path could deliver. While closing, connections are dropped as
 * soon as they are idle (Node has no event for "a connection became idle"; the check is cheap).
 */
function closeConnectionsOnceIdle(app: FastifyInstance): void {
  app.addHook('preClose', (done) => {
    const reaper = setInterval(() => app.server.closeIdleConnections(), 25);
    reaper.unref();
    app.server.once('close', () => clearInterval(reaper));
    done();
  });
}

/**
 * One allowance of failed authentications per client, drawn by a refused credential (401), by an
 * unknown erase request id (404) and by a wrong read credential at the dashboard or, through buildApps'
 * readFailures, on the SQL endpoint's listener: a client guessing any way, on any port, spends the same
 * allowance.
 */
function authGuards(deps: AppDeps, metrics: Metrics): AuthGuards {
  const failures = createAllowance(deps.config.rateLimits.authFailuresPerMinute);
  const now = deps.now ?? Date.now;
  return {
    credential: failureGuard(failures, metrics, now, [401]),
    requestId: failureGuard(failures, metrics, now, [401, 404]),
    read: { allowance: failures, now, refused: () => metrics.rateLimited.inc({ reason: 'auth_failures' }) },
  };
}

/** Bounds `app`'s listener at `max` connections (server.maxConnections), its refusals counted in `metrics`. */
function capListener(app: FastifyInstance, listener: Listener, max: number, metrics: Metrics): void {
  const refused = () => metrics.connectionsRefused.inc({ listener });
  capConnections(app.server, { listener, max, refused, log: app.log });
}

/** The public app, and what the operations app reads from it. */
interface Built {
  readonly app: FastifyInstance;
  readonly metrics: Metrics;
  readonly wsOpen: () => number;
  readonly readFailures: ReadFailures;
}

async function build(deps: AppDeps, opts: BuildOptions): Promise<Built> {
  const app = Fastify(fastifyOptions(deps, opts)) as unknown as FastifyInstance;
  if (deps.https !== undefined) refusePlainHttp(app.server);
  if (opts.logger) lazyChildren(app.log);
  closeConnectionsOnceIdle(app);
  const metrics = createMetrics(deps.registry);
  capListener(app, 'public', deps.config.server.maxConnections, metrics);
  registerErrorHandling(app, metrics);
  registerSecurityHeaders(app, deps.https === undefined ? undefined : deps.config.server.hstsMaxAgeS);
  registerRequestMetrics(app, metrics);
  registerBodyParsers(app, deps.config.server.bodyLimitBytes);
  await registerCookies(app);
  registerCors(app, deps.config);

  const tracking = createTracking(deps, metrics);
  // Validation stays Fastify's (Ajv, JSON Schema); the provider only derives handler types from the schemas.
  const routes = app.withTypeProvider<TypeBoxTypeProvider>();
  const { rateLimits } = deps.config;
  const limited = rateLimits.perIpPerDay > 0 || rateLimits.burst > 0;
  const limit = limited ? { onRequest: rateLimitHook(deps.limiter, metrics, deps.now ?? Date.now) } : {};

  const guards = authGuards(deps, metrics);
  trackRoutes(routes, deps, tracking, { limit, guard: guards.credential });
  redirectRoutes(routes, deps, tracking, limit);
  let connections: WsConnections | undefined;
  const ws = {
    maxPayload: deps.config.websocket.maxFrameBytes,
    paths: [WS_PATH],
    close: async () => connections?.close(),
    onClientError: (outcome: string) => metrics.wsFrames.inc({ kind: 'socket', outcome }),
  };
  await registerWebSocket(app, ws, (child) => {
    connections = wsRoutes(child.withTypeProvider<TypeBoxTypeProvider>(), deps, tracking, metrics, limit);
  });
  ltvRoutes(routes, deps, tracking, { limit, guard: guards.credential });
  ppiRoutes(routes, deps, tracking, { limit, guards }, metrics);
  shortLinkRoutes(routes, deps, tracking, limit, guards.credential);
  opsRoutes(routes, deps);
  clientRoutes(routes);
  if (deps.config.dashboard.enabled) dashboardRoutes(routes, deps, guards.read);
  return { app, metrics, wsOpen: () => connections?.open() ?? 0, readFailures: guards.read };
}

/** The public app alone (tests that need no metrics or status). */
export async function buildApp(deps: AppDeps, opts: BuildOptions = {}): Promise<FastifyInstance> {
  return (await build(deps, opts)).app;
}

export interface Apps {
  /** Every public route: tracking, redirects, WebSocket, the probes (server.port). */
  readonly app: FastifyInstance;
  /** /metrics and /status (server.opsPort), plain HTTP: scrapes are neither counted nor logged. */
  readonly ops: FastifyInstance;
  /**
   * The allowance of failed authentications the public app's routes draw from, for every other listener
   * that checks the read credential (the SQL endpoint): one allowance per client in the process, else a
   * client would get a full allowance of guesses on each port.
   */
  readonly readFailures: ReadFailures;
  /** Bounds another listener of the process (the SQL endpoint's) as server.maxConnections says. */
  capListener(app: FastifyInstance, listener: Listener): void;
}

export async function buildApps(deps: AppDeps, opts: BuildOptions = {}): Promise<Apps> {
  const { app, metrics, wsOpen, readFailures } = await build(deps, opts);
  const ops = Fastify({
    logger: opts.logger ?? false,
    logController: new LogController({ disableRequestLogging: true }),
  }) as unknown as FastifyInstance;
  const max = deps.config.server.maxConnections;
  capListener(ops, 'ops', max, metrics);
  registerErrorHandling(ops);
  operationsRoutes(ops.withTypeProvider<TypeBoxTypeProvider>(), deps, metrics, wsOpen);
  return {
    app,
    ops,
    readFailures,
    capListener: (other, listener) => capListener(other, listener, max, metrics),
  };
}
