// The retire step's sync before a leaving replica is deleted, against a TEST DOUBLE of ClickHouseAccess
// whose SYSTEM SYNC REPLICA the test settles by hand (resolve, reject, or never) and a TEST DOUBLE of the
// apiserver that records the writes. The rendering, the background tasks and the step are the real ones.
// What is shown: the step returns while the sync runs (it never waits for it), the StatefulSet is deleted
// only once a successful result for exactly the current leaving replicas and generation is in, and a
// failed sync keeps the replica, says why (before another shard that is still syncing) and is retried
// after the requeue delay.
import { describe, expect, it } from 'vitest';
import { credentialKeys, namesOf, renderCluster } from '../../cdk8s/index.ts';
import { cluster } from '../../cdk8s/testing/cluster.ts';
import { ConditionReason as Reason, ConditionType as Type } from '../../crds/conditions.ts';
import type { TrackerCluster } from '../../crds/trackercluster.ts';
import { kinds } from '../../kube/kinds.ts';
import type { KubeObject } from '../../kube/object.ts';
import type { ClickHouseAccess, Replica } from '../clickhouse.ts';
import { createLogger } from '../log.ts';
import { RecentApplies } from '../reconcile/recent.ts';
import { newState } from '../reconcile/runner.ts';
import type { Deps } from '../reconcile/state.ts';
import { replicaScans } from './replica-scan.ts';
import { replicaSyncs, syncOwner } from './replica-sync.ts';
import { retire } from './retire.ts';

type Sync = { host: string; statement: string; resolve: () => void; reject: (err: Error) => void };

function setup(retryMs: number, shards = 1) {
  /** The cluster at a generation: replicas lowered from three to two (or, with 3, before that). */
  const at = (generation: number, replicas = 2): TrackerCluster =>
    cluster({ clickhouse: { shards, replicas } }, { name: 'demo', namespace: 'ns', uid: 'u1', generation });
  const names = namesOf(at(1));
  const shardIds = [...Array(shards).keys()];
  const leavingNames = shardIds.map((s) => names.replica(s, 2));
  const leavingName = leavingNames[0] as string;
  // The leaving replicas' objects as they were applied when the spec still rendered three replicas.
  const before = renderCluster(at(1, 3)).objects;
  const leaving = (kind: string, name: string) =>
    before.find((o) => o.kind === kind && o.metadata.name === name) as KubeObject;
  const secret = { data: { [credentialKeys.password]: Buffer.from('pw').toString('base64') } };
  const sets = () => [
    ...renderCluster(at(1)).objects.filter((o) => o.kind === 'StatefulSet'),
    ...leavingNames.filter((n) => !deleted(n)).map((n) => leaving('StatefulSet', n)),
  ];
  const cache = {
    get: (kind: { kind: string }, _ns: string, name: string) => {
      if (kind === kinds.Secret && name === names.credentials) return secret;
      if (kind === kinds.ConfigMap && leavingNames.includes(name)) return leaving('ConfigMap', name);
      return undefined;
    },
    owned: (kind: { kind: string }, _ns: string, uid: string) =>
      (kind === kinds.StatefulSet ? sets() : []).filter((s) =>
        s.metadata.ownerReferences?.some((r) => r.controller && r.uid === uid),
      ),
  };

  const writes: { verb: string; path: string; reason?: string }[] = [];
  const deleted = (name: string) =>
    writes.some((w) => w.verb === 'delete' && w.path.endsWith(`/statefulsets/${name}`));
  const rest = {
    request: async (verb: string, path: string, opts?: { body?: { reason?: string } }) => {
      writes.push({ verb, path, reason: opts?.body?.reason });
      return {};
    },
  };

  // Every SYSTEM SYNC REPLICA waits until the test settles it; system.replicas lists three active replicas.
  const syncs: Sync[] = [];
  let syncStarted: () => void = () => undefined;
  const clickhouse = {
    schemaMode: 'per-replica',
    replicas: (_tc: TrackerCluster, _shards: number): Replica[] =>
      shardIds.flatMap((s) =>
        [0, 1].map((r) => ({ shard: s, replica: r, host: names.replicaHost(s, r), url: `http://${s}-${r}` })),
      ),
    use: async (r: Replica, _p: string, fn: (sql: unknown) => Promise<unknown>) =>
      fn({
        query: async () => [
          {
            table: 'events_local',
            replica_name: names.replica(0, 0),
            replica_is_active: Object.fromEntries([0, 1, 2].map((r) => [names.replica(0, r), 1])),
          },
        ],
        command: (statement: string) =>
          new Promise<void>((resolve, reject) => {
            syncs.push({ host: r.host, statement, resolve, reject });
            syncStarted();
          }),
      }),
    close: async () => undefined,
  } as unknown as ClickHouseAccess;

  const enqueued: string[] = [];
  let onEnqueued: () => unknown = () => undefined;
  const tasks = replicaSyncs((owner) => {
    enqueued.push(owner);
    onEnqueued();
  });
  /** Resolves once a sync of `owner` has settled (the controller would enqueue the cluster then). */
  const settled = (owner: string) =>
    new Promise<void>((resolve) => {
      onEnqueued = () => enqueued.includes(owner) && resolve();
      onEnqueued();
    });
  const deps = {
    rest,
    cache,
    clickhouse,
    replicaSyncs: tasks,
    replicaScans: replicaScans(() => undefined),
    recent: new RecentApplies(),
    config: { queue: { progressRequeueMs: retryMs }, watch: { relistIntervalMs: 600_000 } },
    log: createLogger('error', {}, () => undefined),
  } as unknown as Deps;

  const run = async (tc: TrackerCluster = at(1)) => {
    const state = { ...newState({ ...tc } as unknown as KubeObject), tc, rendered: renderCluster(tc) };
    state.renderedShards = shards;
    const outcome = await retire.run(state, deps);
    return { outcome, state, condition: state.conditions.get(Type.ClickHouseReady) };
  };
  /** Resolves once the n-th SYSTEM SYNC REPLICA statement has reached the double. */
  const nthSync = (n: number) =>
    new Promise<Sync>((resolve) => {
      const check = () => {
        if (syncs.length >= n) resolve(syncs[n - 1] as Sync);
      };
      syncStarted = check;
      check();
    });
  return {
    run,
    tasks,
    writes,
    syncs,
    nthSync,
    enqueued,
    deleted: () => deleted(leavingName),
    leavingName,
    names,
    deletedAny: (name: string) => deleted(name),
    settled,
    at,
  };
}

const owner = syncOwner('ns/demo', 0);
const retired = (writes: readonly { reason?: string }[]) =>
  writes.filter((w) => w.reason === 'ReplicaRetired');

describe('the retire step with the sync in the background', () => {
  it('returns without waiting for a sync that never finishes, and starts only one', async () => {
    const s = setup(60_000);
    const first = await s.run();
    const sync = await s.nthSync(1);
    expect(sync.statement).toBe('SYSTEM SYNC REPLICA `tracker`.`events_local` LIGHTWEIGHT');
    // The step has returned; the sync it started is still running (it is never settled in this test).
    expect(s.tasks.running(owner)).toBeDefined();
    expect(first.outcome).toBe('continue');
    expect(first.condition).toMatchObject({ status: 'False', reason: Reason.ReplicaSyncRunning });
    expect(first.condition?.message).toContain(s.leavingName);
    expect(first.state.requeueAfterMs).toBe(60_000);
    const second = await s.run();
    expect(second.condition?.reason).toBe(Reason.ReplicaSyncRunning);
    expect(s.syncs).toHaveLength(1);
    expect(s.deleted()).toBe(false);
  });

  it('deletes the leaving StatefulSet and its ConfigMap only once the sync result is in', async () => {
    const s = setup(60_000);
    await s.run();
    (await s.nthSync(1)).resolve();
    expect(s.deleted()).toBe(false);
    await s.tasks.drain(10_000);
    // The completion enqueues the cluster: its next reconcile deletes.
    expect(s.enqueued).toEqual([owner]);
    const after = await s.run();
    expect(s.deleted()).toBe(true);
    expect(s.writes.filter((w) => w.verb === 'delete').map((w) => w.path)).toEqual([
      `/apis/apps/v1/namespaces/ns/statefulsets/${s.leavingName}`,
      `/api/v1/namespaces/ns/configmaps/${s.leavingName}`,
    ]);
    expect(retired(s.writes)).toHaveLength(1);
    expect(after.condition?.reason).not.toBe(Reason.ReplicaSyncRunning);
    expect(s.syncs).toHaveLength(1);
  });

  it('does not count a sync from before the spec changed again (another generation)', async () => {
    const s = setup(60_000);
    await s.run(s.at(1));
    (await s.nthSync(1)).resolve();
    await s.tasks.drain(10_000);
    // Replicas were raised and lowered again since: the replica may hold parts written in between.
    const later = await s.run(s.at(3));
    expect(s.deleted()).toBe(false);
    expect(later.condition?.reason).toBe(Reason.ReplicaSyncRunning);
    (await s.nthSync(2)).resolve();
    await s.tasks.drain(10_000);
    await s.run(s.at(3));
    expect(s.deleted()).toBe(true);
  });

  it('keeps the replica when the sync fails, says why, and retries after the requeue delay', async () => {
    const slow = setup(60_000);
    await slow.run();
    (await slow.nthSync(1)).reject(new Error('Timeout exceeded while syncing'));
    await slow.tasks.drain(10_000);
    const failed = await slow.run();
    expect(failed.condition).toMatchObject({ status: 'False', reason: Reason.ReplicaSyncPending });
    expect(failed.condition?.message).toContain('Timeout exceeded while syncing');
    expect(failed.state.requeueAfterMs).toBeGreaterThan(0);
    expect(failed.state.requeueAfterMs).toBeLessThanOrEqual(60_000);
    expect(slow.tasks.running(owner)).toBeUndefined();
    expect(slow.syncs).toHaveLength(1);
    expect(slow.deleted()).toBe(false);

    const fast = setup(0);
    await fast.run();
    (await fast.nthSync(1)).reject(new Error('Timeout exceeded while syncing'));
    await fast.tasks.drain(10_000);
    const retrying = await fast.run();
    const retry = await fast.nthSync(2);
    // While the retry runs, the last failure stays the condition and the replica stays.
    expect(retrying.condition?.reason).toBe(Reason.ReplicaSyncPending);
    expect(fast.deleted()).toBe(false);
    retry.resolve();
    await fast.tasks.drain(10_000);
    await fast.run();
    expect(fast.deleted()).toBe(true);
    expect(retired(fast.writes)).toHaveLength(1);
  });

  it('reports a failed shard before one still syncing, and deletes each shard on its own success', async () => {
    const s = setup(60_000, 2);
    await s.run();
    await s.nthSync(2);
    const on = (shard: number) => s.syncs.find((x) => x.host === s.names.replicaHost(shard, 0)) as Sync;
    on(0).reject(new Error('Timeout exceeded while syncing'));
    await s.settled(syncOwner('ns/demo', 0));
    const mixed = await s.run();
    expect(mixed.condition).toMatchObject({ status: 'False', reason: Reason.ReplicaSyncPending });
    expect(mixed.condition?.message).toContain('Timeout exceeded while syncing');
    expect(mixed.condition?.message).not.toContain(s.names.replica(1, 2));
    on(1).resolve();
    await s.tasks.drain(10_000);
    await s.run();
    expect(s.deletedAny(s.names.replica(1, 2))).toBe(true);
    expect(s.deletedAny(s.names.replica(0, 2))).toBe(false);
  });
});
