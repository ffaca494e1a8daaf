// The public operational endpoints, on the public port: liveness and readiness (the kubelet's probes, load
// balancers, the image's health check), /ping and /clear. They say only whether this process takes events.
// Metrics and status are on the operations listener (operations.ts). Probes never record events: a probe
// every few seconds would flood the tables.
import type { AppDeps } from '../../deps.ts';
import type { RouteApp } from '../shared.ts';

export function opsRoutes(app: RouteApp, deps: AppDeps): void {
  app.get('/health', async () => ({ status: 'ok' }));

  app.get('/ready', async (_req, reply) => {
    const s = deps.dataPath.status();
    const { ready } = s; // false while draining too, with the reason
    // A store refusing the ingest's password or lacking the schema leaves it ready: events still go into
    // the spool until an operator fixes it, and every replica shares the configuration, so not-ready would
    // take them all out of rotation and refuse every event. `storeRefused` says it (reads are 500
    // STORE_REFUSED meanwhile).
    const refused = s.storeRefused === undefined ? {} : { storeRefused: s.storeRefused };
    const body = { ready, draining: s.draining, breaker: s.breaker, ...refused };
    // A load balancer takes a refusing instance out of rotation; the reason tells its operator why.
    return reply.status(ready ? 200 : 503).send(ready ? body : { ...body, reason: s.reason ?? 'not ready' });
  });

  app.get('/ping', async (_req, reply) => reply.type('text/plain').send('pong'));

  app.get('/clear', async (_req, reply) =>
    reply.header('clear-site-data', '"*"').type('text/plain').send('OK'),
  );
}
