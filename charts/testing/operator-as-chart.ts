// TEST HARNESS: the chart applied for real to the test apiserver, and the operator PROCESS running with its
// ServiceAccount's token (TokenRequest API) and the chart's own operator config, behind a counting proxy
// that records every request and the apiserver's answer. Pods are simulated by kwok + the real scheduler;
// volumes and ClickHouse by the operator's named test doubles.
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { namesOf } from '../../cdk8s/names.ts';
import { cluster } from '../../cdk8s/testing/cluster.ts';
import { createNamespace, installCrd } from '../../crds/testing/kube.ts';
import { kubectlOk } from '../../e2e/env/kubectl.ts';
import type { KubeRest } from '../../kube/rest.ts';
import { startDoubles } from '../../operator/testing/clickhouse-doubles.ts';
import { restFor } from '../../operator/testing/harness.ts';
import { type OperatorProcess, startOperatorProcess } from '../../operator/testing/process.ts';
import { startVolumeBinder } from '../../operator/testing/volume-binder.ts';
import { renderChart } from './helm.ts';

export type ChartDoc = {
  kind: string;
  metadata: { name: string; namespace?: string };
  data?: Record<string, string>;
  rules?: { apiGroups: string[]; resources: string[]; verbs: string[] }[];
};

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

/** Apply the rendered chart (optionally edited), CRD excepted, and return its documents. */
function installChart(kubeconfig: string, release: string, ns: string, o: AsChartOptions, appNs: string) {
  const values = { ...o.values, ...(o.namespaced ? { watchNamespace: appNs } : {}) };
  const docs = parseAllDocuments(renderChart(ns, values, release))
    .map((d) => d.toJS() as ChartDoc | null)
    .filter((d): d is ChartDoc => d !== null && d.kind !== 'CustomResourceDefinition');
  o.edit?.(docs);
  // every namespaced template names its namespace (the release's, or the watched one for its Role)
  const args = ['apply', '--server-side', '--field-manager=helm-test', '-f', '-'];
  kubectlOk(kubeconfig, args, docs.map((d) => stringify(d)).join('---\n'));
  return docs;
}

async function serviceAccountToken(rest: KubeRest, ns: string, sa: string): Promise<string> {
  const path = `/api/v1/namespaces/${ns}/serviceaccounts/${sa}/token`;
  const res = await rest.request<{ status: { token: string } }>('create', path, {
    body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600 } },
  });
  return res.status.token;
}

/** The chart installed as a fresh release; the operator running as its ServiceAccount. */
export async function operatorAsChart(o: AsChartOptions): Promise<AsChart> {
  const kubeconfig = inject('kubeconfig');
  installCrd(kubeconfig);
  const rest = restFor(kubeconfig);
  const release = `rbac-${randomBytes(3).toString('hex')}`;
  const sysNs = createNamespace(kubeconfig, 'tracker-system');
  const appNs = createNamespace(kubeconfig, 'rbac-apps');
  const docs = installChart(kubeconfig, release, sysNs, o, appNs);
  const fullname = `${release}-tracker-operator`;
  const configMap = docs.find((d) => d.kind === 'ConfigMap' && d.data?.['config.yaml']);
  const chartConfig = parse(configMap?.data?.['config.yaml'] ?? '') as Record<string, unknown>;
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
