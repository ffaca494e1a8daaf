// The operator on the real kube-apiserver + etcd + kube-controller-manager (GC, StatefulSet/Deployment
// controllers) + kube-scheduler, with pods SIMULATED by kwok (fake kubelet: pods on the fake node become
// Running/Ready, no containers run), PVC binding by the test volume binder (the PV controller is off in this
// environment), and ClickHouse by one ClickHouse-HTTP test double process per replica (real chdb engine).
// One TrackerCluster goes through its life: empty → Ready → steady state → changes → deletion.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { namesOf } from '../cdk8s/names.ts';
import { cluster } from '../cdk8s/testing.ts';
import type { KubeObject } from '../cdk8s/types.ts';
import { createNamespace, installCrd } from '../crds/testing-kube.ts';
import { ClickHouseStore } from '../ingest/datapath/store/clickhouse.ts';
import type { KubeRest } from './kube/rest.ts';
import { fieldManager } from './reconcile/apply.ts';
import { startDoubles } from './testing/clickhouse-doubles.ts';
import {
  condition,
  createTc,
  deployPath,
  getTc,
  list,
  type ProxiedOperator,
  restFor,
  startProxiedOperator,
  stsPath,
  testConfig,
  waitFor,
  waitForCondition,
} from './testing/harness.ts';
import { startVolumeBinder, type VolumeBinder } from './testing/volume-binder.ts';

const name = 'life';
const storageClass = 'tracker-test-expandable';
const spec = {
  clickhouse: { shards: 1, replicas: 2, storage: { size: '1Gi', storageClassName: storageClass } },
  keeper: { replicas: 1, storage: { size: '1Gi', storageClassName: storageClass } },
  ingest: { replicas: 1 },
};

let rest: KubeRest;
let ns: string;
let op: ProxiedOperator;
let binder: VolumeBinder;
let doubles: Awaited<ReturnType<typeof startDoubles>>;
let names: ReturnType<typeof namesOf>;

beforeAll(async () => {
  const kubeconfig = inject('kubeconfig');
  installCrd(kubeconfig);
  rest = restFor(kubeconfig);
  ns = createNamespace(kubeconfig, 'op-life');
  names = namesOf(cluster(spec, { name, namespace: ns }));
  await rest
    .request('create', '/apis/storage.k8s.io/v1/storageclasses', {
      body: {
        apiVersion: 'storage.k8s.io/v1',
        kind: 'StorageClass',
        metadata: { name: storageClass },
        provisioner: 'tracker.dev/fake',
        allowVolumeExpansion: true,
      },
    })
    .catch(() => undefined);
  binder = startVolumeBinder(rest, ns);
  doubles = await startDoubles([names.replicaHost(0, 0), names.replicaHost(0, 1)]);
  op = await startProxiedOperator(
    { apiserverUrl: inject('apiserverUrl'), caFile: inject('apiserverCaFile'), token: inject('adminToken') },
    testConfig({ namespace: ns, clickhouse: { endpoints: doubles.endpoints } }),
  );
});

afterAll(async () => {
  await op?.operator.stop();
  await op?.proxy.close();
  await binder?.stop();
  await doubles?.stop();
  await rest?.close();
});

/** Polls while the cluster comes up and records what existed when each gated object first appeared. */
function observeGates() {
  const seen: { chCreatedKeeperReady?: number; ingestCreatedSchemaReady?: string } = {};
  let stop = false;
  const loop = (async () => {
    while (!stop) {
      // Read the gated object FIRST, then its gate: the gate can only have been passed earlier.
      if (seen.chCreatedKeeperReady === undefined) {
        const ch = await list(rest, stsPath(ns), 'app.kubernetes.io/component=clickhouse');
        if (ch.length > 0) {
          const keeper = await rest.request<KubeObject>('get', stsPath(ns, names.keeper));
          seen.chCreatedKeeperReady = Number(
            (keeper.status as { readyReplicas?: number }).readyReplicas ?? 0,
          );
        }
      }
      if (seen.ingestCreatedSchemaReady === undefined) {
        const ingest = await list(rest, deployPath(ns), 'app.kubernetes.io/component=ingest');
        if (ingest.length > 0)
          seen.ingestCreatedSchemaReady = condition(await getTc(rest, ns, name), 'SchemaReady')?.status;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  return {
    seen,
    stop: async () => {
      stop = true;
      await loop;
    },
  };
}

describe('TrackerCluster lifecycle', () => {
  it('goes from empty to Ready through the gates Keeper → ClickHouse → schema → ingest', async () => {
    const gates = observeGates();
    await createTc(rest, ns, name, spec);
    const ready = await waitForCondition(rest, ns, name, 'Ready', 'True', { timeoutMs: 90_000 });
    await gates.stop();
    expect(gates.seen.chCreatedKeeperReady).toBeGreaterThanOrEqual(1);
    expect(gates.seen.ingestCreatedSchemaReady).toBe('True');
    for (const type of ['KeeperReady', 'ClickHouseReady', 'SchemaReady', 'IngestReady']) {
      expect(condition(ready, type)?.status).toBe('True');
    }
    const status = ready.status as Record<string, unknown>;
    expect(status.clickhouse).toEqual({ replicas: 2, readyReplicas: 2 });
    expect(status.appliedSchemaVersion).toBeGreaterThan(0);
  });

  it('created the schema tables on the chdb engine of EVERY replica', async () => {
    for (const d of doubles.doubles) {
      const store = new ClickHouseStore({ url: d.url, database: 'default' });
      const rows = await store.query<{ name: string }>(
        "SELECT name FROM system.tables WHERE database = 'tracker'",
      );
      await store.close();
      const tables = rows.map((r) => r.name);
      expect(tables).toEqual(
        expect.arrayContaining(['events', 'schema_migrations', 'payments', 'agreements']),
      );
    }
  });

  it('makes zero write requests in a steady-state reconcile', async () => {
    await quiesce();
    const before = reconcileCount();
    const since = Date.now();
    op.operator.controller()?.enqueueAll();
    await waitFor(async () => reconcileCount() > before, { what: 'another reconcile' });
    await new Promise((r) => setTimeout(r, 300));
    expect(op.proxy.writes(since)).toEqual([]);
  });
});

function reconcileCount(): number {
  const metric = (op.operator.metrics.reconciles as unknown as { hashMap: Record<string, { value: number }> })
    .hashMap;
  return Object.values(metric).reduce((sum, v) => sum + v.value, 0);
}

/** Waits until the operator has made no write for a while (pods settled, status written). */
async function quiesce(quietMs = 1500): Promise<void> {
  await waitFor(
    async () => {
      const last = op.proxy.writes().at(-1)?.at ?? 0;
      return Date.now() - last > quietMs;
    },
    { what: 'the operator to stop writing', timeoutMs: 30_000 },
  );
}
