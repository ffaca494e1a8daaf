// TEST SUPPORT: the chart applied for real to a test apiserver (without its CRD, which tests install
// themselves), and credentials of its ServiceAccount, as a pod of the chart would get them.
import { parse, parseAllDocuments, stringify } from 'yaml';
import { kubectlOk } from '../../e2e/env/kubectl.ts';
import type { KubeRest } from '../../kube/rest.ts';
import { renderChart } from './helm.ts';

export type ChartDoc = {
  kind: string;
  metadata: { name: string; namespace?: string };
  data?: Record<string, string>;
  rules?: { apiGroups: string[]; resources: string[]; verbs: string[] }[];
};

export interface InstallOptions {
  /** Chart values (--set). */
  readonly values?: Record<string, string>;
  /** Edits the rendered documents before they are applied (a rule removed, ...). */
  readonly edit?: (docs: ChartDoc[]) => void;
}

/** Apply the rendered chart for real (optionally edited) as `release` in `ns`; returns its documents. */
export function installChart(
  kubeconfig: string,
  release: string,
  ns: string,
  o: InstallOptions = {},
): ChartDoc[] {
  const docs = parseAllDocuments(renderChart(ns, o.values ?? {}, release))
    .map((d) => d.toJS() as ChartDoc | null)
    .filter((d): d is ChartDoc => d !== null && d.kind !== 'CustomResourceDefinition');
  o.edit?.(docs);
  // Every namespaced template names its namespace (the release's, or the watched one for its Role).
  const args = ['apply', '--server-side', '--field-manager=helm-test', '-f', '-'];
  kubectlOk(kubeconfig, args, docs.map((d) => stringify(d)).join('---\n'));
  return docs;
}

/** The operator configuration the chart's ConfigMap carries. */
export function chartOperatorConfig(docs: readonly ChartDoc[]): Record<string, unknown> {
  const cm = docs.find((d) => d.kind === 'ConfigMap' && d.data?.['config.yaml'] !== undefined);
  return parse(cm?.data?.['config.yaml'] ?? '{}') as Record<string, unknown>;
}

/**
 * The chart's operator configuration as a test runs it: short leader-election and queue timings, the test
 * seam (replica DNS → ClickHouse test double) and the given HTTP address; everything else is the chart's.
 */
export function testOperatorConfig(
  chart: Record<string, unknown>,
  endpoints: Record<string, string>,
  http: { port: number; host: string },
): Record<string, unknown> {
  return {
    ...chart,
    http,
    leaderElection: {
      ...(chart.leaderElection as object),
      leaseDurationMs: 3000,
      renewDeadlineMs: 2000,
      retryPeriodMs: 250,
    },
    queue: { backoffBaseMs: 100, backoffMaxMs: 2000, progressRequeueMs: 500 },
    clickhouse: { schemaMode: 'per-replica', endpoints },
  };
}

/** A token of the ServiceAccount (TokenRequest API), as the kubelet would mount it. */
export async function serviceAccountToken(rest: KubeRest, ns: string, sa: string): Promise<string> {
  const path = `/api/v1/namespaces/${ns}/serviceaccounts/${sa}/token`;
  const res = await rest.request<{ status: { token: string } }>('create', path, {
    body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600 } },
  });
  return res.status.token;
}
