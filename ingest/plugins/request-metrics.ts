// Every request counted by route, method and status, and timed by route. A global onResponse hook would
// have to ask each request for its route (Fastify builds a fresh route-options object per access) and hand
// prom-client fresh label objects to hash, for label sets that hardly ever change: so each route gets a
// hook of its own that knows its URL and keeps a tally cell per label set and a histogram cell for its
// duration (ingest/tally.ts), and one global hook counts only the requests that matched no route
// (as route "unknown").
import type { FastifyInstance, FastifyReply, onResponseHookHandler, RouteOptions } from 'fastify';
import type { TallyCell } from '../tally.ts';
import type { Metrics } from './metrics.ts';

type Recorder = (method: string, reply: FastifyReply) => void;

/** The recorder of one route: a tally cell per method and status, made on first use. */
function routeRecorder(metrics: Metrics, route: string): Recorder {
  const duration = metrics.duration.cell({ route });
  const cells = new Map<string, Map<number, TallyCell>>();
  const cell = (method: string, status: number) => {
    const byStatus = cells.get(method) ?? new Map<number, TallyCell>();
    if (byStatus.size === 0) cells.set(method, byStatus);
    let counted = byStatus.get(status);
    if (counted === undefined) {
      counted = metrics.requests.cell({ route, method, status: String(status) });
      byStatus.set(status, counted);
    }
    return counted;
  };
  return (method, reply) => {
    cell(method, reply.statusCode).n++;
    duration.observe(reply.elapsedTime / 1000);
  };
}

const hooksOf = (hooks: RouteOptions['onResponse']): onResponseHookHandler[] =>
  hooks === undefined ? [] : Array.isArray(hooks) ? [...hooks] : [hooks as onResponseHookHandler];

/** Register before the routes: only routes added after it are counted. */
export function registerRequestMetrics(app: FastifyInstance, metrics: Metrics): void {
  app.addHook('onRoute', (route) => {
    const record = routeRecorder(metrics, route.url);
    // A callback hook, not an async one: no promise per request. A new array: Fastify copies a GET
    // route's options for its HEAD route before this runs, and the HEAD route gets a recorder of its own.
    route.onResponse = [
      ...hooksOf(route.onResponse),
      (req, reply, done) => {
        record(req.method, reply);
        done();
      },
    ];
  });
  const unrouted = routeRecorder(metrics, 'unknown');
  app.addHook('onResponse', (req, reply, done) => {
    if (req.is404) unrouted(req.method, reply);
    done();
  });
}
