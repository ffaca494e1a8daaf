// The Go-built helm binary (e2e/env/tools) for the chart tests.
import { spawnSync } from 'node:child_process';
import { toolPath } from '../../e2e/env/tools.ts';

export type HelmResult = { code: number; stdout: string; stderr: string };

export function helm(args: readonly string[]): HelmResult {
  const res = spawnSync(toolPath('helm'), [...args], { encoding: 'utf8', maxBuffer: 32 * 1024 * 1024 });
  if (res.error) throw res.error;
  return { code: res.status ?? 1, stdout: res.stdout, stderr: res.stderr };
}

export const chartDir = new URL('../tracker-operator/', import.meta.url).pathname;

/** The Prometheus Operator's kinds the chart can render, as `--api-versions` names them. */
export const MONITORING_APIS = ['PodMonitor', 'ServiceMonitor', 'PrometheusRule'].map(
  (kind) => `monitoring.coreos.com/v1/${kind}`,
);

/**
 * `helm template` of the chart with --set overrides, as for a cluster that also serves `apiVersions`
 * (`group/version/Kind`); throws with helm's message on failure.
 */
export function renderChart(
  namespace: string,
  set: Record<string, string> = {},
  release = 'tracker',
  apiVersions: readonly string[] = [],
): string {
  const sets = Object.entries(set).flatMap(([k, v]) => ['--set', `${k}=${v}`]);
  const apis = apiVersions.flatMap((v) => ['--api-versions', v]);
  const args = ['template', release, chartDir, '--namespace', namespace, '--include-crds', ...sets, ...apis];
  const res = helm(args);
  if (res.code !== 0) throw new Error(`helm template: ${res.stderr.trim()}`);
  return res.stdout;
}
