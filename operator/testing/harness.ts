// Integration-test helpers: an admin REST client, a test configuration with short timings, an in-process
// operator behind a counting proxy, and TrackerCluster CRUD/wait helpers. Pods are simulated by kwok (fake
// kubelet) + the real scheduler; volumes by testing/volume-binder.ts; ClickHouse by testing/clickhouse-doubles.ts.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Condition } from '../../crds/status.ts';
import { waitFor } from '../../e2e/env/wait.ts';
import { kubeconfigAccess } from '../../kube/access.ts';
import type { KubeObject } from '../../kube/object.ts';
import { KubeRest } from '../../kube/rest.ts';
import { type OperatorConfig, parseConfig } from '../config.ts';
import { createLogger } from '../log.ts';
import { type Operator, startOperator } from '../operator.ts';
import { type CountingProxy, startCountingProxy } from './counting-proxy.ts';

export { waitFor };

export function restFor(kubeconfig: string): KubeRest {
  return new KubeRest(kubeconfigAccess([kubeconfig]));
}

export type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };

/** Short timings so gates and handovers take seconds, not minutes. */
export function testConfig(overrides: DeepPartial<OperatorConfig> = {}): Readonly<OperatorConfig> {
  const o = overrides as Record<string, Record<string, unknown> | undefined>;
  return parseConfig({
    logLevel: process.env.TRACKER_OPERATOR_LOG ?? 'error',
    ...overrides,
    http: { port: 0, host: '127.0.0.1', ...o.http },
    leaderElection: {
      enabled: false,
      leaseDurationMs: 3000,
      renewDeadlineMs: 2000,
      retryPeriodMs: 300,
      ...o.leaderElection,
    },
    watch: { watchdogMs: 20_000, relistIntervalMs: 120_000, reconnectMaxMs: 1000, ...o.watch },
    queue: {
      backoffBaseMs: 100,
      backoffMaxMs: 2000,
      progressRequeueMs: 500,
      shutdownTimeoutMs: 5000,
      ...o.queue,
    },
    clickhouse: { schemaMode: 'per-replica', requestTimeoutMs: 10_000, ...o.clickhouse },
  });
}

export type ProxiedOperator = { operator: Operator; proxy: CountingProxy };

/** An in-process operator whose every API request goes through a counting proxy. */
export async function startProxiedOperator(
  env: { apiserverUrl: string; caFile: string; token: string },
  config: Readonly<OperatorConfig>,
): Promise<ProxiedOperator> {
  const proxy = await startCountingProxy(env.apiserverUrl, env.caFile);
  const access = kubeconfigAccess([
    proxy.kubeconfig(join(mkdtempSync(join(tmpdir(), 'tracker-op-')), 'kubeconfig'), env.token),
  ]);
  const log = createLogger(config.logLevel, { identity: config.identity });
  return { operator: await startOperator({ config, access, log }), proxy };
}

export const tcPath = (ns: string, name?: string) =>
  `/apis/tracker.dev/v1alpha1/namespaces/${ns}/trackerclusters${name ? `/${name}` : ''}`;

export async function createTc(rest: KubeRest, ns: string, name: string, spec: unknown): Promise<KubeObject> {
  const body = {
    apiVersion: 'tracker.dev/v1alpha1',
    kind: 'TrackerCluster',
    metadata: { name, namespace: ns },
    spec,
  };
  return rest.request<KubeObject>('create', tcPath(ns), { body });
}

export const getTc = (rest: KubeRest, ns: string, name: string) =>
  rest.request<KubeObject>('get', tcPath(ns, name));
export const patchTc = (rest: KubeRest, ns: string, name: string, patch: unknown) =>
  rest.request<KubeObject>('patch', tcPath(ns, name), { body: patch });

export function condition(tc: KubeObject | undefined, type: string): Condition | undefined {
  return ((tc?.status ?? {}) as { conditions?: Condition[] }).conditions?.find((c) => c.type === type);
}

/** Waits until the TrackerCluster's condition has the status (and reason, when given). */
export async function waitForCondition(
  rest: KubeRest,
  ns: string,
  name: string,
  type: string,
  status: string,
  opts: { reason?: string; timeoutMs?: number } = {},
): Promise<KubeObject> {
  return waitFor(
    async () => {
      const tc = await getTc(rest, ns, name);
      const c = condition(tc, type);
      const observed =
        (tc.status as { observedGeneration?: number } | undefined)?.observedGeneration ===
        tc.metadata.generation;
      return observed && c?.status === status && (!opts.reason || c.reason === opts.reason) ? tc : undefined;
    },
    {
      what: `${name} ${type}=${status}${opts.reason ? ` (${opts.reason})` : ''}`,
      timeoutMs: opts.timeoutMs ?? 60_000,
      intervalMs: 200,
    },
  );
}

export const stsPath = (ns: string, name?: string) =>
  `/apis/apps/v1/namespaces/${ns}/statefulsets${name ? `/${name}` : ''}`;
export const deployPath = (ns: string, name?: string) =>
  `/apis/apps/v1/namespaces/${ns}/deployments${name ? `/${name}` : ''}`;

export async function list(rest: KubeRest, path: string, labelSelector?: string): Promise<KubeObject[]> {
  return (await rest.request<{ items: KubeObject[] }>('list', path, { query: { labelSelector } })).items;
}

/** Reconciles the operator has finished (any result), from its metrics. */
export function reconcileCount(op: ProxiedOperator): number {
  const metric = (op.operator.metrics.reconciles as unknown as { hashMap: Record<string, { value: number }> })
    .hashMap;
  return Object.values(metric).reduce((sum, v) => sum + v.value, 0);
}

/** Waits until the operator has made no write for `quietMs` (pods settled, status written). */
export async function quiesce(op: ProxiedOperator, quietMs = 1500): Promise<void> {
  await waitFor(async () => Date.now() - (op.proxy.writes().at(-1)?.at ?? 0) > quietMs, {
    what: 'the operator to stop writing',
    timeoutMs: 30_000,
  });
}

/** Enqueues every TrackerCluster and resolves once one more reconcile has finished. */
export async function reconcileOnce(op: ProxiedOperator): Promise<void> {
  const before = reconcileCount(op);
  op.operator.controller()?.enqueueAll();
  await waitFor(async () => reconcileCount(op) > before, { what: 'another reconcile' });
}
