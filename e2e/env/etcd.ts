// A real etcd 3.6 (built from go.etcd.io/etcd/server/v3) on random loopback ports, data in a temp dir. A start
// whose port another process took is tried again on fresh ports; etcd binds its ports before it writes its
// data directory, so the failed start left none naming the old ones.
import { join } from 'node:path';
import { startOnFreePorts } from './port-start.ts';
import { ManagedProcess, readyOrStopped } from './process.ts';
import { toolPath } from './tools.ts';
import { probeSignal, waitFor } from './wait.ts';

export interface Etcd {
  readonly endpoint: string;
  readonly process: ManagedProcess;
}

export function startEtcd(dir: string, detached = false): Promise<Etcd> {
  return startOnFreePorts({
    what: 'etcd',
    ports: 2,
    start: ([client, peer]) => startEtcdOn(dir, detached, client, peer),
  });
}

async function startEtcdOn(dir: string, detached: boolean, client: number, peer: number): Promise<Etcd> {
  const endpoint = `http://127.0.0.1:${client}`;
  const proc = new ManagedProcess({
    name: 'etcd',
    command: toolPath('etcd'),
    args: [
      `--data-dir=${join(dir, 'etcd')}`,
      `--listen-client-urls=${endpoint}`,
      `--advertise-client-urls=${endpoint}`,
      `--listen-peer-urls=http://127.0.0.1:${peer}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${peer}`,
      `--initial-cluster=default=http://127.0.0.1:${peer}`,
      // Tests churn many objects; the defaults (100 ms heartbeat, fsync per write) are tuned for disks
      // that matter. unsafe-no-fsync is acceptable here only because the data dir is thrown away.
      '--unsafe-no-fsync',
      '--quota-backend-bytes=4294967296',
      '--log-level=warn',
    ],
    logFile: join(dir, 'etcd.log'),
    detached,
  });
  await readyOrStopped(proc, () =>
    waitFor(
      async () => {
        const res = await fetch(`${endpoint}/health`, { signal: probeSignal() });
        return res.ok && ((await res.json()) as { health?: string }).health === 'true';
      },
      { what: 'etcd /health', timeoutMs: 30_000, abortIf: () => proc.exited() },
    ),
  );
  return { endpoint, process: proc };
}
