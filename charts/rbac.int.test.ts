// The chart's RBAC is sufficient and minimal, proved on the real apiserver: the chart is applied for real, the
// operator PROCESS runs with its ServiceAccount's token (TokenRequest API) and the chart's own operator config,
// and a TrackerCluster reaches Ready without one 403. As a test of the test, a copy of the chart with one needed
// rule removed makes the operator hit 403 and the cluster never becomes Ready.
// Pods are simulated by kwok + the real scheduler; volumes and ClickHouse by the operator's named test doubles.
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { namesOf } from '../cdk8s/names.ts';
import { cluster } from '../cdk8s/testing/cluster.ts';
import { createNamespace, installCrd } from '../crds/testing/kube.ts';
import type { KubeRest } from '../kube/rest.ts';
import { startDoubles } from '../operator/testing/clickhouse-doubles.ts';
import {
  condition,
  createTc,
  getTc,
  restFor,
  waitFor,
  waitForCondition,
} from '../operator/testing/harness.ts';
import { type OperatorProcess, startOperatorProcess } from '../operator/testing/process.ts';
import { startVolumeBinder, type VolumeBinder } from '../operator/testing/volume-binder.ts';
import { type ChartDoc, chartOperatorConfig, installChart, serviceAccountToken } from './testing/install.ts';

const spec = { clickhouse: { shards: 1, replicas: 1 }, keeper: { replicas: 1 }, ingest: { replicas: 1 } };
const cleanups: (() => Promise<unknown>)[] = [];

afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

interface Setup {
  readonly rest: KubeRest;
  readonly appNs: string;
  readonly op: OperatorProcess;
}

/** Chart installed as `release`, operator running as its ServiceAccount, watching a fresh namespace. */
async function runAsChart(edit?: (docs: ChartDoc[]) => void): Promise<Setup> {
  const kubeconfig = inject('kubeconfig');
  installCrd(kubeconfig);
  const rest = restFor(kubeconfig);
  const release = `rbac-${randomBytes(3).toString('hex')}`;
  const sysNs = createNamespace(kubeconfig, 'tracker-system');
  const appNs = createNamespace(kubeconfig, 'rbac-apps');
  const docs = installChart(kubeconfig, release, sysNs, edit);
  const fullname = `${release}-tracker-operator`;
  const chartConfig = chartOperatorConfig(docs);
  const binder: VolumeBinder = startVolumeBinder(rest, appNs);
  const doubles = await startDoubles([
    namesOf(cluster(spec, { name: 'rbac', namespace: appNs })).replicaHost(0, 0),
  ]);
  const token = await serviceAccountToken(rest, sysNs, fullname);
  const env = { apiserverUrl: inject('apiserverUrl'), caFile: inject('apiserverCaFile'), token };
  const op = await startOperatorProcess(env, {
    ...chartConfig,
    identity: `${release}-0`,
    logLevel: 'error',
    http: { port: 0, host: '127.0.0.1' },
    // Test timings and the test seam (replica DNS → test double); everything else is the chart's config.
    leaderElection: {
      ...(chartConfig.leaderElection as object),
      leaseDurationMs: 3000,
      renewDeadlineMs: 2000,
      retryPeriodMs: 250,
    },
    queue: { backoffBaseMs: 100, backoffMaxMs: 2000, progressRequeueMs: 500 },
    clickhouse: { schemaMode: 'per-replica', endpoints: doubles.endpoints },
  });
  cleanups.push(
    () => op.stop('SIGKILL'),
    () => doubles.stop(),
    () => binder.stop(),
  );
  return { rest, appNs, op };
}

const forbidden = (op: OperatorProcess) => op.proxy.requests.filter((r) => r.status === 403);

describe("the chart's RBAC", () => {
  it('is sufficient: the operator, as the chart ServiceAccount, brings a TrackerCluster to Ready', async () => {
    const { rest, appNs, op } = await runAsChart();
    await createTc(rest, appNs, 'rbac', spec);
    await waitForCondition(rest, appNs, 'rbac', 'Ready', 'True', { timeoutMs: 90_000 });
    expect(forbidden(op)).toEqual([]);
    // It really acted as the ServiceAccount: the apiserver saw it write through the proxy.
    expect(op.proxy.writes(0).length).toBeGreaterThan(0);
  });

  it('is what the operator needs: without the PodDisruptionBudget rule it is refused and never Ready', async () => {
    const { rest, appNs, op } = await runAsChart((docs) => {
      const role = docs.find((d) => d.kind === 'ClusterRole')!;
      role.rules = role.rules!.filter((r) => !r.resources.includes('poddisruptionbudgets'));
    });
    await createTc(rest, appNs, 'rbac', spec);
    await waitFor(async () => forbidden(op).some((r) => r.path.includes('poddisruptionbudgets')), {
      what: 'the operator to be refused on poddisruptionbudgets',
      timeoutMs: 60_000,
    });
    expect(condition(await getTc(rest, appNs, 'rbac'), 'Ready')?.status).not.toBe('True');
  });
});
