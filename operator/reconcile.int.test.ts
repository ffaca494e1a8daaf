// The operator on the real kube-apiserver + etcd + kube-controller-manager (GC, StatefulSet/Deployment
// controllers) + kube-scheduler, with pods SIMULATED by kwok (fake kubelet: pods on the fake node become
// Running/Ready, no containers run), PVC binding by the test volume binder (the PV controller is off in this
// environment), and ClickHouse by one ClickHouse-HTTP test double process per replica (real chdb engine).
// One TrackerCluster goes through its life: empty → Ready → steady state → changes → deletion.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { namesOf } from '../cdk8s/names.ts';
import { cluster } from '../cdk8s/testing/cluster.ts';
import { createNamespace, installCrd, installStandInCrd } from '../crds/testing/kube.ts';
import { kinds } from '../kube/kinds.ts';
import type { KubeObject } from '../kube/object.ts';
import type { KubeRest } from '../kube/rest.ts';
import { ttlDays } from '../schema/index.ts';
import { ClickHouseStore } from '../store/index.ts';
import { latestSchemaVersion, replicaVersion } from './clickhouse.ts';
import { fieldManager } from './reconcile/apply.ts';
import { startDoubles } from './testing/clickhouse-doubles.ts';
import {
  condition,
  createTc,
  deployPath,
  list,
  type ProxiedOperator,
  patchTc,
  quiesce,
  reconcileCount,
  reconcileOnce,
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
  // cert-manager's Certificate API without cert-manager: the operator renders Certificates for TLS issuers.
  installStandInCrd(kubeconfig, kinds.Certificate);
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
  // Four replicas: 1 shard x 2 now, 2 x 2 after the scale-out scenario.
  const hosts = [0, 1].flatMap((s) => [0, 1].map((r) => names.replicaHost(s, r)));
  doubles = await startDoubles(hosts);
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
  const seen: { chCreatedKeeperReady?: number; ingestCreatedSchemaVersions?: number[] } = {};
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
      if (seen.ingestCreatedSchemaVersions === undefined) {
        const ingest = await list(rest, deployPath(ns), 'app.kubernetes.io/component=ingest');
        // Status is written at the end of a reconcile, so the gate's effect is checked instead: the schema
        // version on every replica's engine at the moment the Deployment exists.
        if (ingest.length > 0)
          seen.ingestCreatedSchemaVersions = await schemaVersions(doubles.doubles.slice(0, 2));
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
    expect(gates.seen.ingestCreatedSchemaVersions).toEqual([latestSchemaVersion(), latestSchemaVersion()]);
    for (const type of ['KeeperReady', 'ClickHouseReady', 'SchemaReady', 'IngestReady']) {
      expect(condition(ready, type)?.status).toBe('True');
    }
    const status = ready.status as Record<string, unknown>;
    expect(status.clickhouse).toEqual({ replicas: 2, readyReplicas: 2, summary: '1x2 2/2' });
    expect(status.appliedSchemaVersion).toBeGreaterThan(0);
  });

  it('created the schema tables on the chdb engine of EVERY replica', async () => {
    for (const d of doubles.doubles.slice(0, 2)) {
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
    await quiesce(op);
    const before = reconcileCount(op);
    const since = Date.now();
    op.operator.controller()?.enqueueAll();
    await waitFor(async () => reconcileCount(op) > before, { what: 'another reconcile' });
    await new Promise((r) => setTimeout(r, 300));
    expect(op.proxy.writes(since)).toEqual([]);
  });
});

describe('TrackerCluster changes', () => {
  it('recreates an owned object that someone deleted', async () => {
    const svc = `/api/v1/namespaces/${ns}/services/${names.ingest}`;
    const before = await rest.request<KubeObject>('get', svc);
    await rest.request('delete', svc);
    const after = await waitFor(
      async () => {
        const now = await rest.getOrUndefined<KubeObject>(svc);
        return now && now.metadata.uid !== before.metadata.uid ? now : undefined;
      },
      { what: 'the operator to recreate the ingest Service' },
    );
    expect(after.metadata.labels?.['app.kubernetes.io/instance']).toBe(name);
  });

  it('rolls the ingest Deployment when its batching config changes (new config hash)', async () => {
    const before = await deployment();
    await patchTc(rest, ns, name, {
      spec: { ingest: { config: { batching: { maxConcurrentFlushes: 3 } } } },
    });
    const rolled = await waitFor(
      async () => {
        const d = await deployment();
        return configHash(d) !== configHash(before) ? d : undefined;
      },
      { what: 'a new config hash on the ingest pod template' },
    );
    expect(rolled.metadata.generation).toBeGreaterThan(before.metadata.generation ?? 0);
    const cm = await rest.request<{ data: Record<string, string> }>(
      'get',
      `/api/v1/namespaces/${ns}/configmaps/${names.ingest}`,
    );
    expect(JSON.parse(cm.data['config.json'] ?? '{}').batching.maxConcurrentFlushes).toBe(3);
    await waitForCondition(rest, ns, name, 'Ready', 'True');
    const sets = await list(
      rest,
      `/apis/apps/v1/namespaces/${ns}/replicasets`,
      'app.kubernetes.io/component=ingest',
    );
    expect(sets.length).toBeGreaterThanOrEqual(2);
  });

  it('creates an HPA when autoscaling is enabled and stops setting Deployment replicas', async () => {
    await patchTc(rest, ns, name, {
      spec: { ingest: { replicas: null, autoscaling: { minReplicas: 2, maxReplicas: 4 } } },
    });
    await waitFor(
      async () =>
        rest.getOrUndefined(`/apis/autoscaling/v2/namespaces/${ns}/horizontalpodautoscalers/${names.ingest}`),
      {
        what: 'the HPA',
      },
    );
    // The HPA controller (kube-controller-manager) raises replicas to minReplicas; the operator leaves it.
    await waitFor(async () => (await deployment()).spec.replicas === 2, { what: 'the HPA to scale to 2' });
    await waitForCondition(rest, ns, name, 'Ready', 'True');
    const d = await deployment();
    const ours = (d.metadata.managedFields ?? []).filter((f) => f.manager === fieldManager);
    expect(ours.length).toBeGreaterThan(0);
    for (const f of ours) expect(JSON.stringify(f.fieldsV1)).not.toContain('"f:replicas"');
    op.operator.controller()?.enqueueAll();
    await quiesce(op);
    expect((await deployment()).spec.replicas).toBe(2);
  });

  // The contrast to the next test: growing Keeper changes only the `zookeeper` section (cluster.yaml, a file
  // ClickHouse reloads), so the renderer's hot hash changes and the restart hash on the pod template does not.
  it('does not restart ClickHouse on a hot-reloadable change (Keeper grows: zookeeper section only)', async () => {
    await quiesce(op);
    const before = await chSets();
    const mapsBefore = await chConfigMaps();
    const restartsBefore = await restartEvents();
    await patchTc(rest, ns, name, { spec: { keeper: { replicas: 3 } } });
    const maps = await waitFor(
      async () => {
        const now = await chConfigMaps();
        return now.every((m, i) => m.data['cluster.yaml'] !== mapsBefore[i]!.data['cluster.yaml'])
          ? now
          : undefined;
      },
      { what: 'every ClickHouse ConfigMap to list three Keeper nodes' },
    );
    await waitForCondition(rest, ns, name, 'Ready', 'True');
    await quiesce(op);
    const after = await chSets();
    for (const [i, m] of maps.entries()) {
      expect(m.data['cluster.yaml']).toContain(names.keeperHost(2));
      expect(m.data['server.yaml']).toBe(mapsBefore[i]!.data['server.yaml']);
      const sts = after[i]!;
      const was = before[i]!;
      expect(sts.metadata.annotations?.['tracker.dev/config-hot-hash']).not.toBe(
        was.metadata.annotations?.['tracker.dev/config-hot-hash'],
      );
      expect(restartHash(sts)).toBe(restartHash(was));
      expect(sts.spec.template).toEqual(was.spec.template);
      expect(sts.metadata.generation).toBe(was.metadata.generation);
      expect((sts.status as { updateRevision?: string }).updateRevision).toBe(
        (was.status as { updateRevision?: string }).updateRevision,
      );
    }
    expect(await restartEvents()).toBe(restartsBefore);
  });

  it('restarts ClickHouse on a restart-relevant change, one replica per shard at a time', async () => {
    const before = await chSets();
    const watch = watchRollout();
    await patchTc(rest, ns, name, { spec: { clickhouse: { extraConfig: { max_concurrent_queries: 150 } } } });
    await waitFor(
      async () => {
        const now = await chSets();
        return now.every((s, i) => restartHash(s) !== restartHash(before[i]!) && rolledOut(s))
          ? now
          : undefined;
      },
      { what: 'both replicas restarted with the new config', timeoutMs: 60_000 },
    );
    await watch.stop();
    expect(watch.maxBusyPerShard).toBe(1);
    await waitForCondition(rest, ns, name, 'Ready', 'True');
  });

  // The Certificate was rendered but neither watched nor pruned, so it stayed behind after this switch.
  it('prunes the cert-manager Certificate when TLS moves from an issuer to a Secret', async () => {
    const certificate = `/apis/cert-manager.io/v1/namespaces/${ns}/certificates/${names.ingestTlsSecret}`;
    await patchTc(rest, ns, name, { spec: { ingest: { tls: { issuerRef: { name: 'letsencrypt' } } } } });
    const created = await waitFor(async () => rest.getOrUndefined<KubeObject>(certificate), {
      what: 'the Certificate for the issuer',
    });
    expect(created.metadata.ownerReferences?.[0]?.kind).toBe('TrackerCluster');
    await patchTc(rest, ns, name, {
      spec: { ingest: { tls: { issuerRef: null, secretName: names.ingestTlsSecret } } },
    });
    await waitFor(async () => (await rest.getOrUndefined(certificate)) === undefined, {
      what: 'the Certificate to be pruned',
    });
    await waitForCondition(rest, ns, name, 'Ready', 'True');
    const events = await list(rest, `/api/v1/namespaces/${ns}/events`);
    expect(events.map((e) => (e as { message?: string }).message)).toContain(
      `Deleted Certificate/${names.ingestTlsSecret}: no longer rendered`,
    );
  });

  it('creates the prune CronJob for spec.schema.prune, and prunes it when the schedule is removed', async () => {
    const path = `/apis/batch/v1/namespaces/${ns}/cronjobs/${names.prune}`;
    const prune = { schedule: '17 3 * * *', suspend: true, mode: 'anonymise' };
    await patchTc(rest, ns, name, { spec: { schema: { prune } } });
    const created = await waitFor(async () => rest.getOrUndefined<KubeObject>(path), {
      what: 'the prune CronJob',
    });
    expect(created.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'TrackerCluster', name });
    const spec = created.spec as {
      schedule: string;
      suspend: boolean;
      jobTemplate: { spec: { template: { spec: { containers: { args: string[] }[] } } } };
    };
    expect(spec).toMatchObject({ schedule: '17 3 * * *', suspend: true });
    expect(spec.jobTemplate.spec.template.spec.containers[0]?.args).toEqual(
      expect.arrayContaining(['prune', '--apply', 'anonymise']),
    );
    await waitForCondition(rest, ns, name, 'Ready', 'True');
    await patchTc(rest, ns, name, { spec: { schema: { prune: null } } });
    await waitFor(async () => (await rest.getOrUndefined(path)) === undefined, {
      what: 'the CronJob to be pruned',
    });
    await waitForCondition(rest, ns, name, 'Ready', 'True');
  });

  it('writes changed rollup rules (spec.schema.rollups) to every replica', async () => {
    const rules = async (url: string) => {
      const store = new ClickHouseStore({ url, database: 'default' });
      const [row] = await store.query<{ values: string[] }>(
        "SELECT argMax(values, updated_at) AS values FROM tracker.rollup_settings WHERE name = 'impression_daily.impression_enames'",
      );
      await store.close();
      return row?.values;
    };
    const replicas = doubles.doubles.slice(0, 2);
    for (const d of replicas) expect(await rules(d.url)).toEqual([]);
    await patchTc(rest, ns, name, {
      spec: { schema: { rollups: { impressionDaily: { impressionEnames: ['promo_view'] } } } },
    });
    for (const d of replicas) {
      await waitFor(async () => JSON.stringify(await rules(d.url)) === '["promo_view"]', {
        what: `the new rules on ${d.url}`,
      });
    }
  });

  // Regression: the existing tables kept the TTL they were created with (rows kept for ever), no word said.
  it('gives the existing tables a changed retention (spec.schema.retention) on every replica, with an Event', async () => {
    const replicas = doubles.doubles.slice(0, 2);
    for (const d of replicas) expect(await eventsTtl(d.url)).toBe(0);
    await patchTc(rest, ns, name, { spec: { schema: { retention: { defaultDays: 30 } } } });
    for (const d of replicas) {
      await waitFor(async () => (await eventsTtl(d.url)) === 30, { what: `events kept 30 days on ${d.url}` });
    }
    const applied = async () =>
      (await list(rest, `/api/v1/namespaces/${ns}/events`))
        .filter((e) => (e as { reason?: string }).reason === 'RetentionApplied')
        .map((e) => (e as { message?: string }).message ?? '');
    await waitFor(async () => (await applied()).length > 0, { what: 'a RetentionApplied Event' });
    expect((await applied())[0]).toMatch(/\bevents\b.* keep rows 30 days \(were kept for ever\)/);
  });

  it('grows PVCs when storage grows and never shrinks them', async () => {
    await patchTc(rest, ns, name, { spec: { clickhouse: { storage: { size: '2Gi' } } } });
    await waitFor(async () => (await chClaims()).every((c) => claimSize(c) === '2Gi'), {
      what: 'PVCs grown to 2Gi',
    });
    // A smaller size is refused by the CRD (a claim cannot shrink); a claim grown by hand beyond the spec
    // is left as it is.
    await expect(
      patchTc(rest, ns, name, { spec: { clickhouse: { storage: { size: '1Gi' } } } }),
    ).rejects.toThrow(/storage.size may not decrease/);
    const [first] = await chClaims();
    await rest.request('patch', `/api/v1/namespaces/${ns}/persistentvolumeclaims/${first?.metadata.name}`, {
      body: { spec: { resources: { requests: { storage: '3Gi' } } } },
    });
    await reconcileOnce(op);
    await quiesce(op);
    expect((await chClaims()).map(claimSize).sort()).toEqual(['2Gi', '3Gi']);
  });
});

describe('TrackerCluster shards', () => {
  it('scales out to a second shard and verifies the schema on all four replicas', async () => {
    await patchTc(rest, ns, name, { spec: { clickhouse: { shards: 2 } } });
    const tc = await waitForCondition(rest, ns, name, 'Ready', 'True', { timeoutMs: 90_000 });
    expect((tc.status as Record<string, unknown>).clickhouse).toEqual({
      replicas: 4,
      readyReplicas: 4,
      summary: '2x2 4/4',
    });
    expect(condition(tc, 'SchemaReady')?.message).toContain('4 replicas');
  });

  it('the CRD rejects a shard decrease without allowDataLoss (CEL)', async () => {
    await expect(patchTc(rest, ns, name, { spec: { clickhouse: { shards: 1 } } })).rejects.toThrow(
      /may not decrease/,
    );
  });

  it('refuses a shard decrease the CEL rule cannot see, and paused stops all writes', async () => {
    // Paused: decrease with allowDataLoss, then withdraw allowDataLoss (each update passes CEL on its own).
    await patchTc(rest, ns, name, { spec: { paused: true } });
    await waitForCondition(rest, ns, name, 'Ready', 'False', { reason: 'Paused' });
    await quiesce(op);
    const since = Date.now();
    await patchTc(rest, ns, name, { spec: { allowDataLoss: true, clickhouse: { shards: 1 } } });
    await patchTc(rest, ns, name, { spec: { allowDataLoss: false } });
    await new Promise((r) => setTimeout(r, 1500));
    expect(op.proxy.writes(since)).toEqual([]);
    await patchTc(rest, ns, name, { spec: { paused: false } });
    const tc = await waitForCondition(rest, ns, name, 'ClickHouseReady', 'False', {
      reason: 'ShardDecreaseRefused',
    });
    expect(condition(tc, 'Ready')?.status).toBe('False');
    expect(await chSets()).toHaveLength(4);
    const events = await list(rest, `/api/v1/namespaces/${ns}/events`);
    expect(events.map((e) => (e as { reason?: string }).reason)).toContain('ShardDecreaseRefused');
  });

  it('garbage-collects every child when the TrackerCluster is deleted', async () => {
    await rest.request('delete', `/apis/tracker.dev/v1alpha1/namespaces/${ns}/trackerclusters/${name}`);
    const children = async () =>
      [
        ...(await list(rest, stsPath(ns))),
        ...(await list(rest, deployPath(ns))),
        ...(await list(rest, `/api/v1/namespaces/${ns}/configmaps`, `app.kubernetes.io/instance=${name}`)),
        ...(await list(rest, `/api/v1/namespaces/${ns}/services`, `app.kubernetes.io/instance=${name}`)),
      ].length;
    await waitFor(async () => (await children()) === 0, {
      what: 'the garbage collector to delete every child',
      timeoutMs: 60_000,
    });
  });
});

type Workload = KubeObject & {
  spec: { replicas?: number; template?: { metadata?: { annotations?: Record<string, string> } } };
};
const deployment = () => rest.request<Workload>('get', deployPath(ns, names.ingest));
const configHash = (d: Workload) => d.spec.template?.metadata?.annotations?.['tracker.dev/config-hash'];
const restartHash = (s: Workload) =>
  s.spec.template?.metadata?.annotations?.['tracker.dev/config-restart-hash'];
const chSets = async () =>
  (await list(rest, stsPath(ns), 'app.kubernetes.io/component=clickhouse')).sort((a, b) =>
    a.metadata.name.localeCompare(b.metadata.name),
  ) as Workload[];
type ConfigMap = KubeObject & { data: Record<string, string> };
const chConfigMaps = async () =>
  (
    (await list(
      rest,
      `/api/v1/namespaces/${ns}/configmaps`,
      `app.kubernetes.io/instance=${name},app.kubernetes.io/component=clickhouse`,
    )) as ConfigMap[]
  ).sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
const restartEvents = async () =>
  (await list(rest, `/api/v1/namespaces/${ns}/events`)).filter(
    (e) => (e as { reason?: string }).reason === 'RestartingReplica',
  ).length;
type Claim = KubeObject & { spec: { resources: { requests: { storage: string } } } };
const claimSize = (c: Claim) => c.spec.resources.requests.storage;
const chClaims = async () =>
  (await list(
    rest,
    `/api/v1/namespaces/${ns}/persistentvolumeclaims`,
    'app.kubernetes.io/component=clickhouse',
  )) as Claim[];

function rolledOut(s: KubeObject): boolean {
  const st = (s.status ?? {}) as Record<string, unknown>;
  return (
    st.observedGeneration === s.metadata.generation &&
    st.currentRevision === st.updateRevision &&
    st.readyReplicas === 1 &&
    st.updatedReplicas === 1
  );
}

/** Samples the ClickHouse StatefulSets and records the most replicas of one shard ever mid-rollout. */
function watchRollout() {
  let stop = false;
  let maxBusyPerShard = 0;
  const loop = (async () => {
    while (!stop) {
      const busy = new Map<string, number>();
      for (const s of await chSets()) {
        const shard = s.metadata.labels?.['tracker.dev/shard'] ?? '';
        if (!rolledOut(s)) busy.set(shard, (busy.get(shard) ?? 0) + 1);
      }
      maxBusyPerShard = Math.max(maxBusyPerShard, ...busy.values());
      await new Promise((r) => setTimeout(r, 30));
    }
  })();
  return {
    get maxBusyPerShard() {
      return maxBusyPerShard;
    },
    stop: async () => {
      stop = true;
      await loop;
    },
  };
}

/** The days the events table keeps its rows on a replica (0: for ever). */
async function eventsTtl(url: string): Promise<number> {
  const store = new ClickHouseStore({ url, database: 'default' });
  try {
    const [row] = await store.query<{ engine_full: string }>(
      "SELECT engine_full FROM system.tables WHERE database = 'tracker' AND name = 'events'",
    );
    return ttlDays(row?.engine_full ?? '');
  } finally {
    await store.close();
  }
}

async function schemaVersions(list: readonly { url: string }[]): Promise<number[]> {
  return Promise.all(
    list.map(async (d) => {
      const store = new ClickHouseStore({ url: d.url, database: 'default' });
      try {
        return await replicaVersion(store, 'tracker');
      } finally {
        await store.close();
      }
    }),
  );
}
