// A real nats-server with JetStream on a random loopback port; store in a temp dir. Also a JetStream cluster
// of several servers, for what must keep more than one copy (a test starts its own and stops it).

import { mkdirSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { freePort, portTaken } from './ports.ts';
import { ManagedProcess } from './process.ts';
import { toolPath } from './tools.ts';
import { waitFor } from './wait.ts';

export interface Nats {
  readonly url: string;
  readonly monitorUrl: string;
  readonly process: ManagedProcess;
}

function tcpOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1', () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}

/** Attempts at a start whose port another process took between freePort and the server's bind. */
const PORT_ATTEMPTS = 3;

export async function startNats(dir: string, detached = false): Promise<Nats> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startNatsOnce(dir, detached);
    } catch (err) {
      if (attempt >= PORT_ATTEMPTS || !portTaken(err)) throw err;
    }
  }
}

async function startNatsOnce(dir: string, detached: boolean): Promise<Nats> {
  const [port, monitor] = [await freePort(), await freePort()];
  const proc = new ManagedProcess({
    name: 'nats-server',
    command: toolPath('nats-server'),
    args: [
      '-a',
      '127.0.0.1',
      '-p',
      String(port),
      '-m',
      String(monitor),
      '-js',
      '-sd',
      join(dir, 'jetstream'),
    ],
    logFile: join(dir, 'nats.log'),
    detached,
  });
  const monitorUrl = `http://127.0.0.1:${monitor}`;
  await waitFor(
    async () => (await tcpOpen(port)) && (await fetch(`${monitorUrl}/healthz?js-enabled-only=true`)).ok,
    { what: 'nats-server /healthz', timeoutMs: 30_000, abortIf: () => proc.exited() },
  );
  return { url: `nats://127.0.0.1:${port}`, monitorUrl, process: proc };
}

export interface NatsCluster {
  /** Every server's client URL, comma-separated (a client connects to any of them). */
  readonly url: string;
  stop(): Promise<void>;
}

/** `size` clustered servers with JetStream, routes between all of them; ready once each reports healthy. */
export async function startNatsCluster(dir: string, size: number): Promise<NatsCluster> {
  const ports = await Promise.all(
    Array.from({ length: size }, async () => ({
      client: await freePort(),
      route: await freePort(),
      monitor: await freePort(),
    })),
  );
  const routes = ports.map((p) => `nats://127.0.0.1:${p.route}`).join(',');
  const procs = ports.map((p, i) => {
    const home = join(dir, `nats-${i}`);
    mkdirSync(home, { recursive: true });
    return new ManagedProcess({
      name: `nats-server-${i}`,
      command: toolPath('nats-server'),
      // biome-ignore format: flag and value pairs
      args: [
        '-a', '127.0.0.1', '-p', String(p.client), '-m', String(p.monitor), '-n', `n${i}`,
        '--cluster_name', 'test', '--cluster', `nats://127.0.0.1:${p.route}`, '--routes', routes,
        '-js', '-sd', join(home, 'jetstream'),
      ],
      logFile: join(home, 'nats.log'),
    });
  });
  const stop = async () => {
    await Promise.all(procs.map((p) => p.stop()));
  };
  try {
    // Full health: JetStream has a meta leader, so streams with several copies can be created.
    for (const [i, p] of ports.entries()) {
      const proc = procs[i] as ManagedProcess;
      await waitFor(
        async () =>
          (await fetch(`http://127.0.0.1:${p.monitor}/healthz`).catch(() => undefined))?.ok === true,
        {
          what: `nats-server-${i} /healthz`,
          timeoutMs: 60_000,
          abortIf: () => proc.exited(),
        },
      );
    }
  } catch (err) {
    await stop();
    // a server that runs but never reports healthy (no JetStream meta leader) says why only in its log
    const logs = procs.map((p) => `${p.name}:\n${p.tail(20)}`).join('\n');
    throw new Error(`${(err as Error).message}\nthe servers' last log lines:\n${logs}`, { cause: err });
  }
  return { url: ports.map((p) => `nats://127.0.0.1:${p.client}`).join(','), stop };
}
