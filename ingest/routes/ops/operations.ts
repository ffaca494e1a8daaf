// The operations endpoints, served by the operations app on server.opsPort (never on the public port):
// /metrics (Prometheus) and /status (build, data path, schema, destinations, NATS, open WebSockets). Both tell an
// outsider how busy the service is, what it runs and how its store is doing; on Kubernetes only Prometheus's
// pods may reach that port (the ingest's NetworkPolicy).
import type { SpoolState } from '../../datapath/index.ts';
import type { AppDeps } from '../../deps.ts';
import type { EventPublisher } from '../../nats/publisher.ts';
import type { Metrics } from '../../plugins/metrics.ts';
import type { RouteApp } from '../shared.ts';

const started = Date.now();

/**
 * What runs on NATS: the spool's connection and the publisher's counts, each null when not on NATS; null
 * when neither is (it said null while the spool ran on NATS, whose outage then looked like no NATS at all).
 */
function natsStatus(spool: SpoolState, publisher: EventPublisher | undefined) {
  if (spool.kind !== 'nats' && publisher === undefined) return null;
  return {
    spool: spool.kind === 'nats' ? { connected: spool.connected } : null,
    publish: publisher?.stats() ?? null,
  };
}

export function operationsRoutes(app: RouteApp, deps: AppDeps, metrics: Metrics, wsOpen: () => number): void {
  app.get('/status', async (req) => {
    const dataPath = deps.dataPath.status();
    return {
      build: deps.build ?? { version: 'dev' },
      client: req.ip,
      uptimeS: Math.round((Date.now() - started) / 1000),
      dataPath,
      // a clickhouse store's schema (the ingest applies none there): null on the embedded store
      schema: (await deps.schema?.status()) ?? null,
      destinations: deps.destinations?.status() ?? [],
      websockets: wsOpen(),
      geoip: deps.geo.enabled,
      nats: natsStatus(dataPath.spool, deps.publisher),
    };
  });

  app.get('/metrics', async (_req, reply) =>
    reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()),
  );
}
