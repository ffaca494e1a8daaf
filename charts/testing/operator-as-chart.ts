// TEST HARNESS: the chart applied for real to the test apiserver, and the operator PROCESS running with its
// ServiceAccount's token (TokenRequest API) and the chart's own operator config, behind a counting proxy
// that records every request and the apiserver's answer. Pods are simulated by kwok + the real scheduler;
// volumes and ClickHouse by the operator's named test doubles.
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { namesOf } from '../../cdk8s/names.ts';
import { cluster } from '../../cdk8s/testing/cluster.ts';
import { createNamespace, installCrd } from '../../crds/testing/kube.ts';
import type { KubeRest } from '../../kube/rest.ts';
import { startDoubles } from '../../operator/testing/clickhouse-doubles.ts';
import { restFor } from '../../operator/testing/harness.ts';
import { type OperatorProcess, startOperatorProcess } from '../../operator/testing/process.ts';
import { startVolumeBinder } from '../../operator/testing/volume-binder.ts';
import {
  type ChartDoc,
  chartOperatorConfig,
  installChart,
  serviceAccountToken,
  testOperatorConfig,
} from './install.ts';

export interface AsChartOptions {
  /** Chart values (--set); `watchNamespace` is set to the app namespace when `namespaced`. */
  readonly values?: Record<string, string>;
  /** Grant a Role in the app namespace only (watchNamespace) instead of the default ClusterRole. */
  readonly namespaced?: boolean;
  /** Edits the rendered documents before they are applied (a rule removed, ...). */
  readonly edit?: (docs: ChartDoc[]) => void;
  /** The TrackerCluster the test will create there, and its spec: its replicas get ClickHouse doubles. */
  readonly cluster: { readonly name: string; readonly spec: unknown };
}

export interface AsChart {
  /** An admin client (the test's own requests; never the operator's). */
  readonly rest: KubeRest;
  readonly appNs: string;
  readonly op: OperatorProcess;
  /** The RBAC documents as applied. */
  readonly docs: readonly ChartDoc[];
  stop(): Promise<void>;
}

/** The chart installed as a fresh release; the operator running as its ServiceAccount. */
export async function operatorAsChart(o: AsChartOptions): Promise<AsChart> {
  const kubeconfig = inject('kubeconfig');
  installCrd(kubeconfig);
  const rest = restFor(kubeconfig);
  const release = `rbac-${randomBytes(3).toString('hex')}`;
  const sysNs = createNamespace(kubeconfig, 'tracker-system');
  const appNs = createNamespace(kubeconfig, 'rbac-apps');
  const values = { ...o.values, ...(o.namespaced ? { watchNamespace: appNs } : {}) };
  const docs = installChart(kubeconfig, release, sysNs, { values, ...(o.edit ? { edit: o.edit } : {}) });
  const fullname = `${release}-tracker-operator`;
  const chartConfig = chartOperatorConfig(docs);
  const binder = startVolumeBinder(rest, appNs);
  const tc = cluster(o.cluster.spec, { name: o.cluster.name, namespace: appNs });
  const { shards, replicas } = tc.spec.clickhouse;
  const hosts = Array.from({ length: shards * replicas }, (_, i) =>
    namesOf(tc).replicaHost(Math.floor(i / replicas), i % replicas),
  );
  const doubles = await startDoubles(hosts);
  const token = await serviceAccountToken(rest, sysNs, fullname);
  const env = { apiserverUrl: inject('apiserverUrl'), caFile: inject('apiserverCaFile'), token };
  const op = await startOperatorProcess(env, {
    ...testOperatorConfig(chartConfig, doubles.endpoints, { port: 0, host: '127.0.0.1' }),
    identity: `${release}-0`,
    logLevel: 'error',
  });
  return {
    rest,
    appNs,
    op,
    docs: docs.filter((d) => d.kind === 'ClusterRole' || d.kind === 'Role'),
    async stop() {
      await op.stop('SIGKILL').catch(() => undefined);
      await doubles.stop().catch(() => undefined);
      await binder.stop().catch(() => undefined);
      await rest.close().catch(() => undefined);
    },
  };
}
