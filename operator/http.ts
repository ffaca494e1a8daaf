// /healthz (the process and its watches are alive), /readyz (a standby is ready; a leader once its caches
// are synced), /metrics (Prometheus text). Nothing else is served.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface Probes {
  healthy(): boolean;
  ready(): boolean;
  readonly registry: Registry;
}

export async function startHttp(
  host: string,
  port: number,
  probes: Probes,
): Promise<{ port: number; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const send = (status: number, body: string, type = 'text/plain; charset=utf-8') => {
      res.writeHead(status, { 'content-type': type });
      res.end(body);
    };
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz')
      return send(probes.healthy() ? 200 : 503, probes.healthy() ? 'ok\n' : 'watches stalled\n');
    if (path === '/readyz')
      return send(probes.ready() ? 200 : 503, probes.ready() ? 'ok\n' : 'caches not synced\n');
    if (path === '/metrics') {
      void probes.registry.metrics().then((text) => send(200, text, probes.registry.contentType));
      return;
    }
    send(404, 'not found\n');
  });
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
