// /healthz (the process and its watches are alive), /readyz (a standby is ready; a leader once its caches
// are synced), /metrics (Prometheus text). Nothing else is served.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { StartupError } from '../common/startup-error.ts';

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
  await listen(server, host, port);
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Listens; an address that cannot be bound is the user's to change, named by its keys. The error used to
 * escape as an uncaught exception: a stack trace instead of the one start-up line, and no exit code 2.
 */
function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const refused = (err: Error & { code?: string }) => {
      const where = `${host}:${port}`;
      const { code } = err;
      if (code === 'EADDRINUSE')
        reject(
          new StartupError(`http.port: ${where} is in use by another process; choose another http.port`, {
            code,
          }),
        );
      else if (code === 'EACCES' || code === 'EADDRNOTAVAIL')
        reject(new StartupError(`http.host/http.port: cannot listen on ${where} (${code})`, { code }));
      else reject(err);
    };
    server.once('error', refused);
    server.listen(port, host, () => {
      server.off('error', refused);
      resolve();
    });
  });
}
