// TEST HARNESS: one ClickHouse-HTTP test double PROCESS per ClickHouse replica (e2e/support/clickhouse-http,
// real chdb engine; chdb binds one data directory per process, hence processes). The operator reaches them
// through its endpoint map (config clickhouse.endpoints), so "verified on every replica" queries each one.
// Optionally each double records the statements it received, carries the replication stand-in (what
// system.replicas / system.replication_queue show, set by the test; SYSTEM DROP|SYNC REPLICA act on it),
// or plays one host of a cluster with the cluster stand-in (ON CLUSTER, Replicated tables over a Keeper
// stand-in the doubles share; e2e/support/clickhouse-http/cluster.ts).
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { stopChild } from '../../e2e/env/process.ts';
import type { ReplicaEntry, Topology } from '../../e2e/support/clickhouse-http/cluster.ts';
import type { ReplicationState } from '../../e2e/support/clickhouse-http/replication.ts';

const main = fileURLToPath(new URL('../../e2e/support/clickhouse-http/main.ts', import.meta.url));

export type DoubleOptions = {
  /** Requests must authenticate as `default` with this password. */
  readonly password?: string;
  /** Record every statement (`statements()`). */
  readonly record?: boolean;
  /** The replication stand-in (`replication()`, `setReplication()`). */
  readonly replication?: boolean;
  /** The cluster stand-in: this host's cluster and macros (`clusterState()`, `setTopology()`). */
  readonly cluster?: { readonly name: string; readonly macros: Readonly<Record<string, string>> };
};

export type ClusterState = Topology & {
  name: string;
  macros: Record<string, string>;
  replicated: ReplicaEntry[];
};

export interface ClickHouseDouble {
  readonly url: string;
  readonly dir: string;
  /** Statements received so far, in order. */
  statements(): Promise<string[]>;
  replication(): Promise<ReplicationState>;
  setReplication(state: ReplicationState): Promise<void>;
  clusterState(): Promise<ClusterState>;
  /** Which doubles ON CLUSTER reaches (remote_servers) and which share the Keeper stand-in. */
  setTopology(topology: Topology): Promise<void>;
  /** Stops the process (the server is gone, its data stays); `start()` brings it back on the same URL. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops it and removes its data directory. */
  remove(): Promise<void>;
}

async function spawnDouble(dir: string, port: number, opts: DoubleOptions) {
  const args = [main, '--dir', dir, '--port', String(port)];
  if (opts.password !== undefined) args.push('--password', opts.password);
  if (opts.record) args.push('--record');
  if (opts.replication) args.push('--replication');
  if (opts.cluster) {
    args.push('--cluster', opts.cluster.name);
    for (const [k, v] of Object.entries(opts.cluster.macros)) args.push('--macro', `${k}=${v}`);
  }
  const child: ChildProcess = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const started = await new Promise<{ url: string; port: number }>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (line) => resolve(JSON.parse(line) as { url: string; port: number }));
    child.once('exit', (code) => reject(new Error(`start clickhouse double: exited with ${code}`)));
  });
  return { child, ...started };
}

export async function startClickHouseDouble(opts: DoubleOptions = {}): Promise<ClickHouseDouble> {
  const dir = mkdtempSync(join(tmpdir(), 'tracker-op-ch-'));
  let current: ChildProcess | undefined;
  const first = await spawnDouble(dir, 0, opts);
  current = first.child;
  const { url, port } = first;
  const control = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${url}/_double/${path}`, {
      method,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${method} ${path} on the ClickHouse double: ${res.status}`);
    return (await res.json()) as T;
  };
  const stop = async () => {
    if (current) await stopChild(current);
    current = undefined;
  };
  return {
    url,
    dir,
    statements: async () => (await control<{ sql: string }[]>('GET', 'statements')).map((s) => s.sql),
    replication: () => control<ReplicationState>('GET', 'replication'),
    setReplication: async (state) => {
      await control('PUT', 'replication', state);
    },
    clusterState: () => control<ClusterState>('GET', 'cluster'),
    setTopology: async (topology) => {
      await control('PUT', 'cluster', topology);
    },
    stop,
    async start() {
      if (!current) current = (await spawnDouble(dir, port, opts)).child;
    },
    async remove() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Doubles for the given replica hosts (options per host, or the same for all), and the endpoint map. */
export async function startDoubles(
  hosts: readonly string[],
  opts: DoubleOptions | ((index: number) => DoubleOptions) = {},
) {
  const optionsOf = typeof opts === 'function' ? opts : () => opts;
  const doubles = await Promise.all(hosts.map((_, i) => startClickHouseDouble(optionsOf(i))));
  const endpoints = Object.fromEntries(hosts.map((h, i) => [h, doubles[i]!.url]));
  return {
    doubles,
    endpoints,
    stop: () => Promise.all(doubles.map((d) => d.remove())).then(() => undefined),
  };
}
