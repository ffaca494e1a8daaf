// The registry of managed kinds and what is derived from it: the operator's watch and prune lists, REST
// paths, RBAC rules. The chart's rules are compared with rbacRules() on Helm's output in
// charts/chart.int.test.ts.
import { describe, expect, it } from 'vitest';
import { renderCluster } from '../cdk8s/index.ts';
import { cluster } from '../cdk8s/testing/cluster.ts';
import { allKinds, kindOf, kinds, prunedKinds, watchedKinds } from './kinds.ts';
import { collectionPath, objectPath } from './paths.ts';
import { rbacRules } from './rbac.ts';

const names = (list: readonly { kind: string }[]) => list.map((k) => k.kind);

describe('the registry of managed kinds', () => {
  it('derives the watch list: the TrackerCluster and every owned kind', () => {
    expect(names(watchedKinds)).toEqual([
      'TrackerCluster',
      'ConfigMap',
      'Secret',
      'Service',
      'StatefulSet',
      'Deployment',
      'PodDisruptionBudget',
      'NetworkPolicy',
      'HorizontalPodAutoscaler',
      'CronJob',
      'Certificate',
    ]);
  });

  it('derives the prune list: every rendered kind, never the generated Secrets', () => {
    expect(names(prunedKinds)).toEqual([
      'ConfigMap',
      'Service',
      'StatefulSet',
      'Deployment',
      'PodDisruptionBudget',
      'NetworkPolicy',
      'HorizontalPodAutoscaler',
      'CronJob',
      'Certificate',
    ]);
  });

  // The cert-manager Certificate was rendered but neither watched nor pruned: it was fetched on every
  // reconcile and left behind when TLS switched from an issuer to a Secret. Every kind the renderer can
  // produce must be owned, watched and pruned.
  it('covers every kind the renderer produces (all features on) as owned, watched and pruned', () => {
    const everything = cluster({
      clickhouse: { shards: 2, replicas: 2 },
      keeper: { replicas: 3 },
      ingest: {
        autoscaling: { minReplicas: 2, maxReplicas: 4 },
        tls: { issuerRef: { name: 'letsencrypt' }, dnsNames: ['t.example.com'] },
      },
      nats: { replicas: 3 },
      schema: { prune: { schedule: '@daily' } },
    });
    const rendered = new Set(renderCluster(everything).objects.map((o) => `${o.apiVersion} ${o.kind}`));
    expect(rendered).toContain('cert-manager.io/v1 Certificate');
    expect(rendered).toContain('batch/v1 CronJob');
    for (const id of rendered) {
      const [apiVersion = '', kind = ''] = id.split(' ');
      expect(kindOf(apiVersion, kind), id).toMatchObject({ owned: true, watched: true, pruned: true });
    }
  });

  it('marks only other projects’ kinds optional', () => {
    expect(allKinds.filter((k) => k.optional).map((k) => k.apiVersion)).toEqual(['cert-manager.io/v1']);
  });

  it('refuses a kind it does not manage', () => {
    expect(() => kindOf('v1', 'Pod')).toThrow('resolve resource v1 Pod: not a kind the operator manages');
  });

  it.each([
    [collectionPath(kinds.ConfigMap, 'ns'), '/api/v1/namespaces/ns/configmaps'],
    [collectionPath(kinds.TrackerCluster), '/apis/tracker.dev/v1alpha1/trackerclusters'],
    [objectPath(kinds.Certificate, 'ns', 'a b'), '/apis/cert-manager.io/v1/namespaces/ns/certificates/a%20b'],
    [
      objectPath(kinds.Lease, 'kube-system', 'l'),
      '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/l',
    ],
  ])('REST path %s', (path, expected) => expect(path).toBe(expected));
});

describe('rbacRules', () => {
  it('grants leader election its Lease in the release namespace, and nothing else there', () => {
    expect(rbacRules('release')).toEqual([
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] },
    ]);
  });

  it('merges kinds of one group and verb set into one rule, subresources after their kind', () => {
    const rules = rbacRules('watched');
    expect(rules.slice(0, 3).map((r) => r.resources)).toEqual([
      ['trackerclusters'],
      ['trackerclusters/status'],
      ['trackerclusters/finalizers'],
    ]);
    expect(rules).toContainEqual({
      apiGroups: [''],
      resources: ['configmaps', 'services'],
      verbs: ['list', 'watch', 'create', 'patch', 'delete'],
    });
    expect(rules.flatMap((r) => r.resources)).not.toContain('leases');
  });

  // Least privilege: what the operator does not do is not granted. Reads of watched kinds come from the
  // informer caches, the TrackerCluster is never written but its status, generated Secrets are never
  // applied or deleted, PVCs are not watched, Events are never patched. charts/rbac.int.test.ts proves
  // the remaining grants are each used by the operator running as the chart's ServiceAccount.
  it.each([
    ['trackerclusters', ['list', 'watch']],
    ['trackerclusters/status', ['patch']],
    ['secrets', ['get', 'list', 'watch', 'create']],
    ['configmaps', ['list', 'watch', 'create', 'patch', 'delete']],
    ['persistentvolumeclaims', ['get', 'list', 'patch']],
    ['events', ['create']],
  ])('grants %s exactly %j', (resource, verbs) => {
    const rule = rbacRules('watched').find((r) => r.resources.includes(resource));
    expect(rule?.verbs).toEqual(verbs);
  });
});
