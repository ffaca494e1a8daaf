// The chart's Prometheus Operator objects (the ingest PodMonitor, the operator's ServiceMonitor, the alert
// rules) were rendered whenever their value was on, so on a cluster without the Prometheus Operator's CRDs
// the whole install failed on the apiserver's "no matches for kind". Now: value off (the default) →
// nothing, and nothing needed; value on and the kind served → rendered; value on and the kind not served →
// Helm stops before touching the cluster, naming the value, the CRD and the way out. Helm's own binary,
// then a real kube-apiserver (Helm reads the served kinds from its discovery).
import { describe, expect, inject, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { createNamespace, installStandInCrd } from '../crds/testing/kube.ts';
import { chartDir, helm, MONITORING_APIS, renderChart } from './testing/helm.ts';

const CASES = [
  ['monitoring.ingestPodMonitor.enabled', 'PodMonitor'],
  ['metrics.serviceMonitor.enabled', 'ServiceMonitor'],
  ['monitoring.prometheusRule.enabled', 'PrometheusRule'],
] as const;

const kindsOf = (yaml: string) =>
  parseAllDocuments(yaml)
    .map((d) => d.toJS() as { kind?: string } | null)
    .flatMap((d) => (d?.kind ? [d.kind] : []));

const template = (value: string, apiVersions: readonly string[]) =>
  helm([
    'template',
    'tracker',
    chartDir,
    '--set',
    `${value}=true`,
    ...apiVersions.flatMap((v) => ['--api-versions', v]),
  ]);

describe('Prometheus Operator objects in helm template', () => {
  it.each(CASES)('%s on, %s not served: fails naming the CRD and the value', (value, kind) => {
    // the other monitoring kinds being served does not stand in for this one
    const res = template(
      value,
      MONITORING_APIS.filter((v) => !v.endsWith(`/${kind}`)),
    );
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain(
      `${value} is true, but the cluster does not serve monitoring.coreos.com/v1 ${kind}`,
    );
    expect(res.stderr).toContain(`CRD ${kind.toLowerCase()}s.monitoring.coreos.com`);
    expect(res.stderr).toContain(`or set ${value}=false`);
    expect(res.stderr).toContain(`--api-versions monitoring.coreos.com/v1/${kind}`);
  });

  it.each(CASES)('%s on, %s served: renders it', (value, kind) => {
    const res = template(value, [`monitoring.coreos.com/v1/${kind}`]);
    expect(res.code, res.stderr).toBe(0);
    expect(kindsOf(res.stdout)).toContain(kind);
  });

  it('by default renders none of them and needs none of their CRDs', () => {
    const kinds = kindsOf(renderChart('tracker-system'));
    expect(kinds).toContain('Deployment');
    expect(kinds.filter((k) => CASES.some(([, kind]) => kind === k))).toEqual([]);
  });
});

describe('Prometheus Operator objects in helm install (real apiserver)', () => {
  it('refuses the PodMonitor while its CRD is not served, and renders it once it is', () => {
    const kubeconfig = inject('kubeconfig');
    const ns = createNamespace(kubeconfig, 'prom-crds');
    const install = () =>
      helm([
        'install',
        'mon',
        chartDir,
        '--namespace',
        ns,
        '--kubeconfig',
        kubeconfig,
        '--dry-run=server',
        '--set',
        'monitoring.ingestPodMonitor.enabled=true',
      ]);
    const without = install();
    expect(without.code).not.toBe(0);
    expect(without.stderr).toContain('CRD podmonitors.monitoring.coreos.com');
    // the Prometheus Operator's PodMonitor API, served by a TEST DOUBLE CRD (no controller behind it)
    installStandInCrd(kubeconfig, {
      group: 'monitoring.coreos.com',
      version: 'v1',
      kind: 'PodMonitor',
      plural: 'podmonitors',
    });
    const served = install();
    expect(served.code, served.stderr).toBe(0);
    expect(kindsOf(served.stdout)).toContain('PodMonitor');
  });
});
