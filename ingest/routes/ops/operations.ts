// The operations endpoints, served by the operations app on server.opsPort (never on the public port):
// /metrics (Prometheus) and /status (build, data path, destinations, NATS, open WebSockets). Both tell an
// outsider how busy the service is, what it runs and how its store is doing; on Kubernetes only Prometheus's
// pods may reach that port (the ingest's NetworkPolicy).
import type { AppDeps } from '../../deps.ts';
import type { Metrics } from '../../plugins/metrics.ts';
import type { RouteApp } from '../shared.ts';

const started = Date.now();

export function operationsRoutes(app: RouteApp, deps: AppDeps, metrics: Metrics, wsOpen: () => number): void {
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
}
