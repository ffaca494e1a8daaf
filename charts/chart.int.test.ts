// The operator chart against Helm's own binary and the real kube-apiserver.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { QUANTITY_PATTERN } from '../crds/spec.ts';
import { createNamespace } from '../crds/testing/kube.ts';
import { kubectl, kubectlOk } from '../e2e/env/kubectl.ts';
import { rbacRules } from '../kube/rbac.ts';
import { parseConfig } from '../operator/config.ts';
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

  // Regression: any string (and, for memory, no number) passed as a resource quantity; `lots` rendered
  // and the apiserver refused the Deployment at install. Each refusal names the key and the value.
  it.each([
    ['resources.requests.cpu', 'lots', /at '\/resources\/requests\/cpu': 'lots' does not match pattern/],
    ['resources.limits.memory', '10 GB', /at '\/resources\/limits\/memory': '10 GB' does not match pattern/],
    ['resources.requests.memory', '1GB', /at '\/resources\/requests\/memory': '1GB' does not match pattern/],
    [
      'resources.limits.ephemeral-storage',
      '',
      /at '\/resources\/limits\/ephemeral-storage': '' does not match/,
    ],
    ['resources.requests.cpu', '-1', /at '\/resources\/requests\/cpu': minimum: got -1, want 0/],
  ])('rejects %s=%j, not a quantity, through values.schema.json', (key, value, message) => {
    const res = helm(['lint', chartDir, '--set', `${key}=${value}`]);
    expect(res.code).not.toBe(0);
    expect(res.stdout + res.stderr).toMatch(message);
  });

  it.each([
    ['resources.requests.cpu', '500m'],
    ['resources.requests.cpu', '0.5'],
    ['resources.limits.memory', '256Mi'],
    ['resources.limits.memory', '1.5Gi'],
    ['resources.limits.memory', '300M'],
    ['resources.limits.ephemeral-storage', '1e9'],
  ])('accepts %s=%s, a quantity', (key, value) => {
    const leaf = key.split('.').at(-1);
    const rendered = renderChart('tracker-system', { [key]: value });
    expect([`${leaf}: ${value}`, `${leaf}: "${value}"`].some((line) => rendered.includes(line))).toBe(true);
  });

  it('holds the quantity pattern the TrackerCluster CRD holds', () => {
    const schema = JSON.parse(readFileSync(join(chartDir, 'values.schema.json'), 'utf8'));
    expect(schema.definitions.quantity.pattern).toBe(QUANTITY_PATTERN);
  });

  it('accepts a quantity given as a number, as the apiserver does', () => {
    // --set makes 536870912 an integer, which the schema refused for memory
    expect(renderChart('tracker-system', { 'resources.limits.memory': '536870912' })).toMatch(
      /memory: 536870912/,
    );
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

  // Regression: Keeper's and ClickHouse's NetworkPolicies admitted pods labelled as the operator from every
  // namespace; the chart names the release namespace, the only one they are admitted from.
  it("tells the operator its own namespace, which the clusters' NetworkPolicies admit it from", () => {
    const map = docs(renderChart('tracker-system')).find((d) => d.kind === 'ConfigMap') as unknown as {
      data: Record<string, string>;
    };
    const config = parseConfig(parse(map.data['config.yaml'] ?? ''));
    expect(config.operatorNamespace).toBe('tracker-system');
  });

  it('uses a namespaced Role instead of a ClusterRole when watchNamespace is set', () => {
    const kinds = docs(renderChart('tracker-system', { watchNamespace: 'apps' })).map((d) => d.kind);
    expect(kinds).not.toContain('ClusterRole');
    expect(kinds).not.toContain('ClusterRoleBinding');
  });
});

// The operator's metrics port was open to every pod of the cluster, while each TrackerCluster's ingest,
// Keeper and ClickHouse admit only Prometheus to theirs.
describe("the operator's NetworkPolicy", () => {
  const policy = (set: Record<string, string> = {}) =>
    docs(renderChart('tracker-system', set)).find((d) => d.kind === 'NetworkPolicy') as unknown as
      | { metadata: { name: string; namespace: string }; spec: Record<string, unknown> }
      | undefined;

  it('admits only Prometheus (the monitoring namespace by default) to the metrics port, ingress only', () => {
    const np = policy();
    expect(np?.metadata).toMatchObject({ name: 'tracker-tracker-operator', namespace: 'tracker-system' });
    expect(np?.spec).toEqual({
      podSelector: {
        matchLabels: {
          'app.kubernetes.io/name': 'tracker-operator',
          'app.kubernetes.io/instance': 'tracker',
        },
      },
      policyTypes: ['Ingress'],
      ingress: [
        {
          from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }],
          ports: [{ protocol: 'TCP', port: 'http-metrics' }],
        },
      ],
    });
  });

  it('admits the pods monitoring.prometheus names, as the clusters do', () => {
    const np = policy({
      'monitoring.prometheus.namespaceLabels.team': 'obs',
      'monitoring.prometheus.podLabels.app\\.kubernetes\\.io/name': 'prometheus',
    });
    const [rule] = (np?.spec.ingress ?? []) as { from: unknown[] }[];
    expect(rule?.from).toEqual([
      {
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring', team: 'obs' } },
        podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } },
      },
    ]);
  });

  it('is left out with metrics.networkPolicy.enabled=false', () => {
    expect(policy({ 'metrics.networkPolicy.enabled': 'false' })).toBeUndefined();
  });
});

describe('NOTES', () => {
  const notes = (args: readonly string[]) => {
    // `helm template` leaves NOTES out; an install's client-side dry run prints them (it asks the
    // apiserver only for its version).
    const kubeconfig = inject('kubeconfig');
    const res = helm([
      'install',
      'tracker',
      chartDir,
      ...['-n', 'tracker-system', '--kubeconfig', kubeconfig, '--dry-run=client', ...args],
    ]);
    expect(res.code, res.stderr).toBe(0);
    return res.stdout.slice(res.stdout.indexOf('NOTES:'));
  };

  // Regression: with watchNamespace set, the notes still told the user to create the namespace
  // `analytics` and apply the example there, where the operator never looks.
  it('tells the user to apply the example in the watched namespace', () => {
    const text = notes(['--set', 'watchNamespace=apps', '--set', 'replicaCount=1']);
    expect(text).toContain('kubectl apply -n apps -f examples/minimal.yaml');
    expect(text).toContain('It watches namespace apps only');
    expect(text).toContain('(1 replica,');
    expect(text).not.toContain('analytics');
  });

  it('suggests a namespace of its own when every namespace is watched', () => {
    const text = notes([]);
    expect(text).toContain('kubectl create namespace analytics');
    expect(text).toContain('kubectl apply -n analytics -f examples/minimal.yaml');
    expect(text).toContain('(2 replicas,');
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
    // The quantities the values schema accepts in their less usual forms, the apiserver accepts too.
    const quantities = renderChart(ns, {
      'resources.requests.cpu': '0.5',
      'resources.limits.memory': '536870912',
      'resources.limits.ephemeral-storage': '1e9',
    });
    expect(
      kubectlOk(kubeconfig, ['apply', '--server-side', '--dry-run=server', '-n', ns, '-f', '-'], quantities),
    ).toMatch(/deployment.apps\/tracker-tracker-operator serverside-applied \(server dry run\)/);
  });
});
