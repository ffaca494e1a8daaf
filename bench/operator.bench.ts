// Operator bench (`node bench/operator.bench.ts`): on a private real control plane (etcd, kube-apiserver,
// controller-manager, scheduler, kwok as the fake kubelet) it creates 1, then 50 TrackerClusters and reports
// the time from create until every rendered object is applied and until all are Ready, the API requests per
// reconcile while converging and in steady state, and the operator's RSS. Every replica of every cluster is
// mapped to ONE ClickHouse-HTTP test double (chdb): this measures the operator, not ClickHouse.
// Numbers are printed, never asserted.
import { KubeConfig } from '@kubernetes/client-node';
import { namesOf } from '../cdk8s/index.ts';
import { cluster } from '../cdk8s/testing/cluster.ts';
import { createNamespace, installCrd } from '../crds/testing/kube.ts';
import { startEnvironment } from '../e2e/env/environment.ts';
import type { KubeRest } from '../kube/rest.ts';
import type { Metrics } from '../operator/metrics.ts';
import { startOperator } from '../operator/operator.ts';
import { startClickHouseDouble } from '../operator/testing/clickhouse-doubles.ts';
import {
  condition,
  createTc,
  deployPath,
  list,
  restFor,
  testConfig,
  waitFor,
} from '../operator/testing/harness.ts';
import { startVolumeBinder } from '../operator/testing/volume-binder.ts';

const sizes = [1, 50];
// Small requests so 50 clusters fit on the one fake node; ingest at 0 replicas keeps pods under its 110 limit.
const small = { requests: { cpu: '10m', memory: '32Mi' } };
const spec = {
  clickhouse: { shards: 1, replicas: 1, resources: small },
  keeper: { replicas: 1, resources: small },
  ingest: { replicas: 0, resources: small },
};

const sum = (metric: unknown) =>
  Object.values((metric as { hashMap: Record<string, { value: number }> }).hashMap).reduce(
    (s, v) => s + v.value,
    0,
  );
const counters = (m: Metrics) => ({ requests: sum(m.apiRequests), reconciles: sum(m.reconciles) });
const mib = (bytes: number) => Math.round(bytes / 2 ** 20);

/** Milliseconds from `t0` until the probe passes. */
async function timeUntil(t0: number, what: string, probe: () => Promise<boolean>): Promise<number> {
  await waitFor(async () => probe(), { what, timeoutMs: 300_000, intervalMs: 100 });
  return performance.now() - t0;
}

async function allApplied(rest: KubeRest, ns: string, n: number): Promise<boolean> {
  // The ingest Deployment is the last object the gates allow: once n exist, everything was applied.
  return (await list(rest, deployPath(ns), 'app.kubernetes.io/component=ingest')).length === n;
}

async function allReady(rest: KubeRest, ns: string, n: number): Promise<boolean> {
  const items = await list(rest, `/apis/tracker.dev/v1alpha1/namespaces/${ns}/trackerclusters`);
  return items.length === n && items.every((tc) => condition(tc, 'Ready')?.status === 'True');
}

async function round(n: number, env: { kubeconfig: string; rest: KubeRest; url: string }) {
  const ns = createNamespace(env.kubeconfig, `bench-${n}`);
  const binder = startVolumeBinder(env.rest, ns, 100);
  const endpoints = Object.fromEntries(
    Array.from({ length: n }, (_, i) => [
      namesOf(cluster(spec, { name: `b${i}`, namespace: ns })).replicaHost(0, 0),
      env.url,
    ]),
  );
  const kc = new KubeConfig();
  kc.loadFromFile(env.kubeconfig);
  const rssBefore = process.memoryUsage().rss;
  const operator = await startOperator({
    kc,
    // Production requeue while a gate waits (10 s): watch events, not polling, should drive progress.
    config: testConfig({
      namespace: ns,
      logLevel: 'error',
      queue: { progressRequeueMs: 10_000 },
      clickhouse: { endpoints },
    }),
  });
  const start = counters(operator.metrics);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await createTc(env.rest, ns, `b${i}`, spec);
  const createMs = performance.now() - t0;
  const appliedMs = await timeUntil(t0, 'all objects applied', () => allApplied(env.rest, ns, n));
  const readyMs = await timeUntil(t0, 'all Ready', () => allReady(env.rest, ns, n));
  const converged = counters(operator.metrics);
  operator.controller()?.enqueueAll();
  await waitFor(async () => counters(operator.metrics).reconciles >= converged.reconciles + n, {
    what: 'a steady pass',
  });
  const steady = counters(operator.metrics);
  const rss = process.memoryUsage().rss;
  const busy = (await operator.metrics.reconcileDuration.get()).values.find((v) =>
    v.metricName?.endsWith('_sum'),
  );
  await operator.stop();
  await binder.stop();
  return {
    clusters: n,
    createMs: Math.round(createMs),
    createToAllAppliedMs: Math.round(appliedMs),
    createToAllReadyMs: Math.round(readyMs),
    requestsPerReconcileConverging: +(
      (converged.requests - start.requests) /
      Math.max(1, converged.reconciles - start.reconciles)
    ).toFixed(2),
    requestsPerReconcileSteady: +(
      (steady.requests - converged.requests) /
      (steady.reconciles - converged.reconciles)
    ).toFixed(2),
    reconciles: steady.reconciles - start.reconciles,
    // Time spent inside reconciles; the rest of create→Ready is the control plane scheduling 2n pods.
    reconcileBusyMs: Math.round((busy?.value ?? 0) * 1000),
    operatorRssMiB: mib(rss),
    rssGrowthMiB: mib(rss - rssBefore),
  };
}

const env = await startEnvironment({ nats: false });
const double = await startClickHouseDouble();
try {
  installCrd(env.kubeconfig);
  const rest = restFor(env.kubeconfig);
  for (const n of sizes) {
    const result = await round(n, { kubeconfig: env.kubeconfig, rest, url: double.url });
    console.log(JSON.stringify({ bench: 'operator', ...result }));
  }
  await rest.close();
} finally {
  await double.remove();
  await env.stop();
}
