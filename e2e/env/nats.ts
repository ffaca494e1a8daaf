// A real nats-server with JetStream on a random loopback port; store in a temp dir. Also a JetStream cluster
// of several servers, for what must keep more than one copy (a test starts its own and stops it).

import { mkdirSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { startOnFreePorts } from './port-start.ts';
import { ManagedProcess, readyOrStopped } from './process.ts';
import { toolPath } from './tools.ts';
import { probeSignal, waitFor } from './wait.ts';

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

export function startNats(dir: string, detached = false): Promise<Nats> {
  return startOnFreePorts({
    what: 'nats-server',
    ports: 2,
    start: ([port, monitor]) => startNatsOn(dir, detached, port, monitor),
  });
}

async function startNatsOn(dir: string, detached: boolean, port: number, monitor: number): Promise<Nats> {
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
  await readyOrStopped(proc, () =>
    waitFor(
      async () =>
        (await tcpOpen(port)) &&
        (await fetch(`${monitorUrl}/healthz?js-enabled-only=true`, { signal: probeSignal() })).ok,
      { what: 'nats-server /healthz', timeoutMs: 30_000, abortIf: () => proc.exited() },
    ),
  );
  return { url: `nats://127.0.0.1:${port}`, monitorUrl, process: proc };
}

export interface NatsCluster {
  /** Every server's client URL, comma-separated (a client connects to any of them). */
  readonly url: string;
  stop(): Promise<void>;
}

/** `size` clustered servers with JetStream, routes between all of them; ready once each reports healthy. */
export function startNatsCluster(dir: string, size: number): Promise<NatsCluster> {
  return startOnFreePorts({
    what: `a cluster of ${size} nats-servers`,
    ports: 3 * size,
    start: (taken) => startNatsClusterOn(dir, size, taken),
  });
}

async function startNatsClusterOn(dir: string, size: number, taken: number[]): Promise<NatsCluster> {
  const ports = Array.from({ length: size }, (_, i) => {
    const [client, route, monitor] = taken.slice(3 * i, 3 * i + 3) as [number, number, number];
    return { client, route, monitor };
  });
  const routes = ports.map((p) => `nats://127.0.0.1:${p.route}`).join(',');
  const procs = ports.map((p, i) => {
    const home = join(dir, `nats-${i}`);
    // Empty: a start before this one, whose port was taken, may have left JetStream state naming its routes.
    rmSync(home, { recursive: true, force: true });
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
    // Full health: JetStream has a meta leader, so streams with several copies can be created. Any server
    // that exits (of a port another process took, say) ends the wait: the others would wait for it in vain.
    const anyExited = () => procs.map((p) => p.exited()).find((why) => why !== undefined);
    for (const [i, p] of ports.entries()) {
      await waitFor(
        async () =>
          (
            await fetch(`http://127.0.0.1:${p.monitor}/healthz`, { signal: probeSignal() }).catch(
              () => undefined,
            )
          )?.ok === true,
        { what: `nats-server-${i} /healthz`, timeoutMs: 60_000, abortIf: anyExited },
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
