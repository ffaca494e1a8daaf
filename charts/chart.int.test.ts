// The operator chart against Helm's own binary and the real kube-apiserver.

import { describe, expect, inject, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { createNamespace } from '../crds/testing/kube.ts';
import { kubectl, kubectlOk } from '../e2e/env/kubectl.ts';
import { rbacRules } from '../kube/rbac.ts';
import { chartDir, helm, renderChart } from './testing/helm.ts';

type Rule = { apiGroups: string[]; resources: string[]; verbs: string[] };
type Doc = { kind: string; metadata: { name: string }; rules?: Rule[] };

function docs(yaml: string): Doc[] {
  return parseAllDocuments(yaml)
    .map((d) => d.toJS() as Doc | null)
    .filter((d): d is Doc => d !== null);
}

describe('helm lint', () => {
  it('passes with the default values', () => {
    const res = helm(['lint', chartDir]);
    expect(res.stderr + res.stdout).toMatch(/1 chart\(s\) linted, 0 chart\(s\) failed/);
    expect(res.code).toBe(0);
  });

  it.each([
    ['an unknown key', ['--set', 'replicas=3']],
    ['a bad enum', ['--set', 'logLevel=loud']],
    ['a bad type', ['--set', 'replicaCount=two']],
    // Regression: accepted, and the install then failed on the apiserver creating the Role there.
    ['a namespace that is not a DNS label', ['--set', 'watchNamespace=Bad_NS']],
  ])('rejects %s through values.schema.json', (_what, args) => {
    const res = helm(['lint', chartDir, ...args]);
    expect(res.code).not.toBe(0);
    expect(res.stdout + res.stderr).toMatch(/values don't meet the specifications of the schema/);
  });
});

describe('values the operator would refuse at start fail the install instead', () => {
  // The operator stops at start when the leader may not give up its lease before it expires; the chart
  // rendered such values and the pods crash-looped.
  it.each([
    ['longer than', '20'],
    ['equal to', '15'],
  ])('a renew deadline %s the lease', (_what, renew) => {
    expect(() => renderChart('tracker-system', { 'leaderElection.renewDeadlineSeconds': renew })).toThrow(
      /leaderElection\.renewDeadlineSeconds \(\d+\) must be less than leaderElection\.leaseDurationSeconds \(15\)/,
    );
    expect(renderChart('tracker-system', { 'leaderElection.renewDeadlineSeconds': '14' })).toMatch(
      /renewDeadlineMs: 14000/,
    );
  });
});

describe('RBAC is least privilege', () => {
  const rendered = docs(renderChart('tracker-system'));
  const rules = rendered
    .filter((d) => d.kind === 'ClusterRole' || d.kind === 'Role')
    .flatMap((d) => d.rules ?? []);

  it('grants no wildcard verbs, resources or groups', () => {
    expect(rules.length).toBeGreaterThan(0);
    for (const r of rules) {
      expect([...r.verbs, ...r.resources, ...r.apiGroups]).not.toContain('*');
    }
  });

  // The registry of managed kinds (kube/kinds.ts) is the one source: the operator watches, prunes and
  // addresses what it lists, and the chart grants exactly what it derives, no more and no less.
  it.each([
    ['cluster-wide', {}, 'ClusterRole'],
    ['with watchNamespace', { watchNamespace: 'apps' }, 'Role'],
  ])('grants exactly the rules the registry of managed kinds derives (%s)', (_mode, values, kind) => {
    const roles = docs(renderChart('tracker-system', values)).filter(
      (d) => d.kind === 'ClusterRole' || d.kind === 'Role',
    );
    const byName = (suffix: string) =>
      roles.find((d) => d.metadata.name === `tracker-tracker-operator${suffix}`);
    expect(byName('')?.kind).toBe(kind);
    expect(byName('')?.rules).toEqual(rbacRules('watched'));
    expect(byName('-leader-election')?.rules).toEqual(rbacRules('release'));
    expect(roles).toHaveLength(2);
  });

  it('uses a namespaced Role instead of a ClusterRole when watchNamespace is set', () => {
    const kinds = docs(renderChart('tracker-system', { watchNamespace: 'apps' })).map((d) => d.kind);
    expect(kinds).not.toContain('ClusterRole');
    expect(kinds).not.toContain('ClusterRoleBinding');
  });
});

describe('helm template on the real apiserver', () => {
  it('passes a server-side dry-run apply, CRD included', () => {
    const kubeconfig = inject('kubeconfig');
    const ns = createNamespace(kubeconfig, 'chart');
    // The CRD must exist before a dry run of objects that refer to it; the chart has none, so apply it all.
    const out = kubectlOk(
      kubeconfig,
      ['apply', '--server-side', '--dry-run=server', '-n', ns, '-f', '-'],
      renderChart(ns),
    );
    expect(out).toMatch(/deployment.apps\/tracker-tracker-operator serverside-applied \(server dry run\)/);
    expect(out).toMatch(/clusterrole.rbac.authorization.k8s.io\/tracker-tracker-operator serverside-applied/);
    // And a broken manifest is refused by the same path (the dry run is not a rubber stamp).
    const bad = renderChart(ns).replace('replicas: 2', 'replicas: "two"');
    expect(
      kubectl(kubeconfig, ['apply', '--server-side', '--dry-run=server', '-n', ns, '-f', '-'], bad).code,
    ).not.toBe(0);
  });
});
