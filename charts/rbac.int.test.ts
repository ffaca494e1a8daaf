// The chart's RBAC, proved on the real apiserver with the operator PROCESS running as the chart's
// ServiceAccount (charts/testing/operator-as-chart.ts: the chart applied for real, a TokenRequest token, the
// chart's own operator config, every request recorded by a proxy). Least privilege both ways:
// - sufficient: a TrackerCluster with every feature on (autoscaling, TLS from an issuer, the prune CronJob,
//   a password Secret of the user's) reaches Ready, grows its volume and has one stale owned object of each
//   kind prune removes deleted, without one 403;
// - nothing more: every (resource, verb) the chart grants is among the requests the apiserver authorised.
//   The chart granted verbs nothing called (a get on every kind whose reads come from informer caches,
//   update on the TrackerCluster it never writes, delete on Secrets it never deletes, a watch on PVCs,
//   patch on Events, Events in the release namespace); a grant nothing uses now fails this test;
// - each rule needed: a copy of the chart with one rule removed makes the operator hit 403 and the cluster
//   never becomes Ready.
// Pods are simulated by kwok + the real scheduler; volumes and ClickHouse by the operator's test doubles.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ownerReferences, renderCluster } from '../cdk8s/index.ts';
import { cluster } from '../cdk8s/testing/cluster.ts';
import { installStandInCrd } from '../crds/testing/kube.ts';
import type { TrackerCluster } from '../crds/trackercluster.ts';
import { kinds, prunedKinds } from '../kube/kinds.ts';
import type { KubeObject } from '../kube/object.ts';
import { collectionPath, objectPath } from '../kube/paths.ts';
import { isNotFound } from '../kube/rest.ts';
import {
  condition,
  createTc,
  getTc,
  list,
  patchTc,
  waitFor,
  waitForCondition,
} from '../operator/testing/harness.ts';
import type { OperatorProcess } from '../operator/testing/process.ts';
import { type AsChart, operatorAsChart } from './testing/operator-as-chart.ts';
import { unusedGrants, usesOf } from './testing/rbac-usage.ts';

const forbidden = (op: OperatorProcess) => op.proxy.requests.filter((r) => r.status === 403);
const answered = (op: OperatorProcess, method: string, path: string) =>
  op.proxy.requests.some(
    (r) => r.method === method && r.status !== 0 && new URL(r.path, 'http://apiserver').pathname === path,
  );

const NAME = 'every';
const STORAGE_CLASS = 'tracker-test-expandable';
const PASSWORD_SECRET = 'every-clickhouse-password';
const spec = {
  clickhouse: {
    shards: 1,
    replicas: 1,
    storage: { size: '1Gi', storageClassName: STORAGE_CLASS },
    passwordSecretRef: { name: PASSWORD_SECRET, key: 'password' },
  },
  keeper: { replicas: 1 },
  ingest: {
    autoscaling: { minReplicas: 1, maxReplicas: 2 },
    tls: { issuerRef: { name: 'letsencrypt' }, dnsNames: ['t.example.com'] },
  },
  schema: { prune: { schedule: '17 3 * * *', suspend: true } },
};

// Granted for the apiserver's sake, not requested: with OwnerReferencesPermissionEnforcement (on in the
// test environment) every write of an object whose ownerReference blocks its owner's deletion needs it.
// The last test below shows the operator is refused without it.
const IMPLICIT = '*: tracker.dev/trackerclusters/finalizers update';

/** The StorageClass volumes can grow on (shared with other suites), and the password Secret of the user's. */
async function prepare({ rest, appNs }: AsChart): Promise<void> {
  await rest
    .request('create', '/apis/storage.k8s.io/v1/storageclasses', {
      body: {
        apiVersion: 'storage.k8s.io/v1',
        kind: 'StorageClass',
        metadata: { name: STORAGE_CLASS },
        provisioner: 'tracker.dev/fake',
        allowVolumeExpansion: true,
      },
    })
    .catch(() => undefined); // it may exist already
  await rest.request('create', collectionPath(kinds.Secret, appNs), {
    body: {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: PASSWORD_SECRET },
      stringData: { password: 'a-password-of-the-users' },
    },
  });
}

/** One object of each kind prune removes, owned by the live cluster but rendered for another name. */
function staleObjects(live: TrackerCluster): KubeObject[] {
  const other = cluster(spec, { name: 'stale', namespace: live.metadata.namespace });
  const objects = renderCluster(other).objects.filter(
    // a ClickHouse replica's objects are retired (SYSTEM DROP REPLICA first), not pruned
    (o) => o.metadata.labels?.['app.kubernetes.io/component'] !== 'clickhouse',
  );
  return prunedKinds.map((k) => {
    const obj = objects.find((o) => o.kind === k.kind);
    if (!obj) throw new Error(`the renderer made no ${k.kind} to leave behind`);
    return { ...obj, metadata: { ...obj.metadata, ownerReferences: ownerReferences(live) } };
  });
}

describe("the chart's RBAC as installed by default (a ClusterRole)", () => {
  let chart: AsChart;
  beforeAll(async () => {
    // cert-manager's Certificate API without cert-manager (a TEST DOUBLE CRD): rendered for TLS issuers
    installStandInCrd(inject('kubeconfig'), kinds.Certificate);
    chart = await operatorAsChart({ cluster: { name: NAME, spec } });
    await prepare(chart);
  });
  // Stopped before the next operator starts: a cluster-wide operator reconciles every TrackerCluster.
  afterAll(() => chart?.stop());

  it('is sufficient: the operator, as the chart ServiceAccount, brings a cluster with every feature to Ready', async () => {
    const { rest, appNs, op } = chart;
    await createTc(rest, appNs, NAME, spec);
    await waitForCondition(rest, appNs, NAME, 'Ready', 'True', { timeoutMs: 120_000 });
    // It really acted as the ServiceAccount: the apiserver saw it write through the proxy.
    expect(op.proxy.writes(0).length).toBeGreaterThan(0);
  });

  it('grows the ClickHouse volume', async () => {
    const { rest, appNs } = chart;
    await patchTc(rest, appNs, NAME, { spec: { clickhouse: { storage: { size: '2Gi' } } } });
    const claims = () =>
      list(
        rest,
        collectionPath(kinds.PersistentVolumeClaim, appNs),
        'app.kubernetes.io/component=clickhouse',
      );
    const size = (c: KubeObject) =>
      (c.spec as { resources?: { requests?: { storage?: string } } }).resources?.requests?.storage;
    await waitFor(
      async () => (await claims()).length > 0 && (await claims()).every((c) => size(c) === '2Gi'),
      {
        what: 'the ClickHouse volume to grow to 2Gi',
        timeoutMs: 60_000,
      },
    );
  });

  it('prunes a stale owned object of every kind it prunes', async () => {
    const { rest, appNs } = chart;
    const stale = staleObjects((await getTc(rest, appNs, NAME)) as unknown as TrackerCluster);
    for (const obj of stale) {
      const type = prunedKinds.find((k) => k.kind === obj.kind);
      if (!type) throw new Error(obj.kind);
      await rest.request('create', collectionPath(type, appNs), { body: obj });
    }
    for (const obj of stale) {
      const type = prunedKinds.find((k) => k.kind === obj.kind);
      if (!type) throw new Error(obj.kind);
      const path = objectPath(type, appNs, obj.metadata.name);
      await waitFor(async () => (await rest.request('get', path).then(() => false, isNotFound)) === true, {
        what: `${obj.kind} ${obj.metadata.name} to be pruned`,
        timeoutMs: 60_000,
      });
      // The object is gone once the apiserver committed the delete, which can be before its answer
      // reached the proxy: the rule counts as used only with that answer recorded.
      await waitFor(async () => answered(chart.op, 'DELETE', path), {
        what: `the operator's delete of ${obj.kind} ${obj.metadata.name} to be answered`,
        timeoutMs: 10_000,
      });
    }
  });

  it('was refused nothing, and used every rule it was granted', () => {
    const { op, docs } = chart;
    expect(forbidden(op)).toEqual([]);
    expect(unusedGrants(docs, usesOf(op.proxy.requests))).toEqual([IMPLICIT]);
  });
});

describe("each of the chart's rules is needed (a Role in one namespace)", () => {
  const running: AsChart[] = [];
  afterAll(async () => {
    for (const r of running) await r.stop();
  });

  // The finalizers rule is never a request of the operator's own: the apiserver's
  // OwnerReferencesPermissionEnforcement admission asks for it whenever an object is written with an
  // ownerReference that blocks its owner's deletion.
  it.each([
    ['poddisruptionbudgets', 'poddisruptionbudgets'],
    // the first owned object the operator writes is its generated credentials Secret
    ['trackerclusters/finalizers', 'secrets'],
  ])('without the %s rule the operator is refused (on %s) and never Ready', async (resource, refused) => {
    const small = {
      clickhouse: { shards: 1, replicas: 1 },
      keeper: { replicas: 1 },
      ingest: { replicas: 1 },
    };
    const r = await operatorAsChart({
      namespaced: true,
      cluster: { name: 'rbac', spec: small },
      edit: (docs) => {
        const role = docs.find((d) => d.kind === 'Role' && !d.metadata.name.endsWith('-leader-election'));
        if (!role?.rules) throw new Error('the chart rendered no Role for the watched namespace');
        role.rules = role.rules
          .map((rule) => ({ ...rule, resources: rule.resources.filter((res) => res !== resource) }))
          .filter((rule) => rule.resources.length > 0);
      },
    });
    running.push(r);
    await createTc(r.rest, r.appNs, 'rbac', small);
    await waitFor(async () => forbidden(r.op).some((q) => q.path.includes(`/${refused}`)), {
      what: `the operator to be refused on ${refused}`,
      timeoutMs: 60_000,
    });
    expect(condition(await getTc(r.rest, r.appNs, 'rbac'), 'Ready')?.status).not.toBe('True');
  });
});
