// The whole real-component test environment: etcd → kube-apiserver → controller-manager, scheduler and
// kwok (fake kubelet) → a fake Node; nats-server with JetStream. One call starts it, one stops it.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ApiServer, startApiServer } from './apiserver.ts';
import { startControllerManager, startKwok, startScheduler } from './controllers.ts';
import { startEtcd } from './etcd.ts';
import { httpsCall } from './https.ts';
import { startNats } from './nats.ts';
import type { ManagedProcess } from './process.ts';

export interface EnvironmentOptions {
  /** Also start kube-controller-manager, kube-scheduler and kwok (default true). */
  readonly controllers?: boolean;
  readonly nats?: boolean;
  readonly detached?: boolean;
  /** Keep the state directory after stop (logs for debugging). */
  readonly keep?: boolean;
  readonly dir?: string;
}

export interface Environment {
  readonly dir: string;
  readonly api: ApiServer;
  readonly kubeconfig: string;
  readonly natsUrl: string | undefined;
  /** Milliseconds each component took to become ready, in start order. */
  readonly timings: Record<string, number>;
  readonly processes: () => ManagedProcess[];
  stop(): Promise<void>;
}

export const FAKE_NODE = 'kwok-node-0';

/** A Node that kwok manages: it becomes Ready and Pods scheduled to it are made Running by kwok. */
async function createFakeNode(api: ApiServer): Promise<void> {
  const ca = readFileSync(api.caFile, 'utf8');
  const res = await httpsCall(`${api.url}/api/v1/nodes`, {
    ca,
    token: api.adminToken,
    method: 'POST',
    json: {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name: FAKE_NODE,
        annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
        labels: { 'kubernetes.io/hostname': FAKE_NODE, 'kubernetes.io/os': 'linux', type: 'kwok' },
      },
      status: {
        allocatable: { cpu: '32', memory: '256Gi', pods: '110' },
        capacity: { cpu: '32', memory: '256Gi', pods: '110' },
      },
    },
  });
  if (res.status !== 201 && res.status !== 409)
    throw new Error(`create fake node: ${res.status} ${res.body}`);
}

async function timed<T>(timings: Record<string, number>, name: string, fn: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  const out = await fn();
  timings[name] = Math.round(performance.now() - t0);
  return out;
}

export async function startEnvironment(opts: EnvironmentOptions = {}): Promise<Environment> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'tracker-env-'));
  const detached = opts.detached ?? false;
  const timings: Record<string, number> = {};
  const procs: ManagedProcess[] = [];
  let api: ApiServer | undefined;
  // The apiserver's process object changes on restart(); always act on the current one.
  const current = () => procs.map((p) => (api && p.name === 'kube-apiserver' ? api.process : p));
  const stop = async () => {
    for (const p of current().reverse()) await p.stop();
    if (!opts.keep) rmSync(dir, { recursive: true, force: true });
  };
  try {
    const etcd = await timed(timings, 'etcd', () => startEtcd(dir, detached));
    procs.push(etcd.process);
    const apiServer = await timed(timings, 'kube-apiserver', () =>
      startApiServer(dir, etcd.endpoint, detached),
    );
    api = apiServer;
    procs.push(apiServer.process);
    if (opts.controllers ?? true) {
      procs.push(
        await timed(timings, 'kube-controller-manager', () =>
          startControllerManager(dir, apiServer, detached),
        ),
      );
      procs.push(await timed(timings, 'kube-scheduler', () => startScheduler(dir, apiServer, detached)));
      procs.push(await timed(timings, 'kwok', () => startKwok(dir, apiServer, detached)));
      await timed(timings, 'fake-node', () => createFakeNode(apiServer));
    }
    const nats =
      opts.nats === false ? undefined : await timed(timings, 'nats-server', () => startNats(dir, detached));
    if (nats) procs.push(nats.process);
    return {
      dir,
      api: apiServer,
      kubeconfig: apiServer.kubeconfig,
      natsUrl: nats?.url,
      timings,
      processes: current,
      stop,
    };
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
}
