// TEST HARNESS: a counting HTTP proxy in front of the real apiserver. The operator under test gets a
// kubeconfig pointing here (plain HTTP on loopback; the proxy speaks TLS to the apiserver), so the tests
// count the operator's requests by method and path without trusting the operator's own counters.
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { stringify } from 'yaml';

/**
 * One proxied request; `status` is the apiserver's answer (0 until it arrives); `name` is the created
 * object's name for a POST whose JSON body names one (known once the body has arrived).
 */
export type Recorded = {
  method: string;
  path: string;
  at: number;
  status: number;
  name?: string;
  /** When the apiserver's answer began to arrive (epoch ms): `answeredAt - at` is its answer time. */
  answeredAt?: number;
};

/** Bodies of POSTs up to this size are read for the name of what they create. */
const maxNamedBody = 64 * 1024;

/** Records the name a POST creates (the body is read as it is piped on, not held back). */
function recordName(req: IncomingMessage, record: Recorded): void {
  if (record.method !== 'POST') return;
  const chunks: Buffer[] = [];
  let size = 0;
  req.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size <= maxNamedBody) chunks.push(chunk);
  });
  req.on('end', () => {
    if (size > maxNamedBody) return;
    try {
      const name = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { metadata?: { name?: unknown } })
        .metadata?.name;
      if (typeof name === 'string') record.name = name;
    } catch {
      // Not JSON: nothing to name.
    }
  });
}

export interface CountingProxy {
  readonly url: string;
  /** A kubeconfig for the proxy with the given bearer token. */
  kubeconfig(path: string, token: string): string;
  readonly requests: Recorded[];
  /** Write requests (anything but GET) since `since`, optionally excluding paths matching `ignore`. */
  writes(since?: number, ignore?: RegExp): Recorded[];
  close(): Promise<void>;
}

export async function startCountingProxy(target: string, caFile: string): Promise<CountingProxy> {
  const ca = readFileSync(caFile);
  const upstream = new URL(target);
  const requests: Recorded[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const record: Recorded = { method: req.method ?? 'GET', path: req.url ?? '/', at: Date.now(), status: 0 };
    requests.push(record);
    recordName(req, record);
    const out = httpsRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
        ca,
      },
      (up) => {
        record.status = up.statusCode ?? 502;
        record.answeredAt = Date.now();
        res.writeHead(record.status, up.headers);
        up.pipe(res);
      },
    );
    out.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    res.on('close', () => out.destroy());
    req.pipe(out);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    requests,
    kubeconfig(path, token) {
      const config = {
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'proxy', cluster: { server: url, 'insecure-skip-tls-verify': true } }],
        users: [{ name: 'operator', user: { token } }],
        contexts: [{ name: 'proxy', context: { cluster: 'proxy', user: 'operator' } }],
        'current-context': 'proxy',
      };
      writeFileSync(path, stringify(config), { mode: 0o600 });
      return path;
    },
    writes(since = 0, ignore) {
      return requests.filter((r) => r.at >= since && r.method !== 'GET' && !ignore?.test(r.path));
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
