// Operational endpoints. Probes never record events: a probe every few seconds would flood the tables.
import type { AppDeps } from '../../deps.ts';
import type { Metrics } from '../../plugins/metrics.ts';
import type { RouteApp } from '../shared.ts';

const started = Date.now();

export function opsRoutes(app: RouteApp, deps: AppDeps, metrics: Metrics, wsOpen: () => number): void {
  app.get('/health', async () => ({ status: 'ok' }));

  app.get('/ready', async (_req, reply) => {
    const s = deps.dataPath.status();
    const ready = s.ready && !s.draining;
    return reply.status(ready ? 200 : 503).send({ ready, draining: s.draining, breaker: s.breaker });
  });

  app.get('/ping', async (_req, reply) => reply.type('text/plain').send('pong'));

  app.get('/status', async (req) => ({
    build: deps.build ?? { version: 'dev' },
    client: req.ip,
    uptimeS: Math.round((Date.now() - started) / 1000),
    dataPath: deps.dataPath.status(),
    destinations: deps.destinations?.status() ?? [],
    websockets: wsOpen(),
    geoip: deps.geo.enabled,
    nats: deps.publisher?.stats() ?? null,
  }));

  app.get('/metrics', async (_req, reply) =>
    reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()),
  );

  app.get('/clear', async (_req, reply) =>
    reply.header('clear-site-data', '"*"').type('text/plain').send('OK'),
  );
}
