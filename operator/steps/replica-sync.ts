// The retire step's sync, run in the background (reconcile/background.ts): before a leaving replica's
// StatefulSet is deleted, its shard's survivor must have fetched every part the replication log announced
// (SYSTEM SYNC REPLICA on each replicated table). ClickHouse answers that statement only once the fetches
// are done: seconds to minutes. Run inside the reconcile it held the cluster's key and a worker for that
// long, so every event of the cluster waited for it. One task per shard (the survivor and the replicas
// leaving it); the step deletes the leaving StatefulSets only on a successful result for exactly the
// current task key.
//
// The key holds the TrackerCluster's generation. A replica leaves because the spec stops rendering it, which
// is a new generation, and a task starts only from a reconcile that has read the current one: so a result
// for the current key comes from a sync that started after the replica was marked leaving. A result of an
// earlier episode (the count lowered, raised, lowered again: the replica took writes in between) has an
// older generation and never counts. Any other spec change also runs the sync again: it costs a sync, it
// never deletes early.
import type { TrackerCluster } from '../../crds/trackercluster.ts';
import { hashOf } from '../../kube/hash.ts';
import type { Replica } from '../clickhouse.ts';
import { BackgroundTasks, type TaskResult } from '../reconcile/background.ts';
import type { Deps } from '../reconcile/state.ts';
import { replicatedTables, syncReplica } from '../replication.ts';
import { schemaOwner } from './schema-task.ts';

/** What a successful sync reports: how many replicated tables the survivor synced. */
export type SyncDone = { readonly tables: number };
export type ReplicaSyncs = BackgroundTasks<SyncDone>;

/** Every settled sync is reported, a repeated success included: the step acts on each one. */
export function replicaSyncs(
  onSettled: (owner: string, result: TaskResult<SyncDone>, changed: boolean) => void,
): ReplicaSyncs {
  return new BackgroundTasks<SyncDone>({ onSettled });
}

/**
 * The sync owner of shard `shard` of the cluster whose work-queue key is `key`. The shards of a cluster
 * sync independently; replica-scan.ts `clusterOf` maps the owner back to the cluster's key.
 */
export const syncOwner = (key: string, shard: number): string => `${key}#sync-${shard}`;

export type SyncTarget = {
  readonly tc: TrackerCluster;
  readonly shard: number;
  readonly survivor: Replica;
  /** The names of the shard's leaving replica StatefulSets. */
  readonly leaving: readonly string[];
  readonly database: string;
  readonly password: string;
};

export function syncKey(t: SyncTarget): string {
  return hashOf({
    uid: t.tc.metadata.uid,
    generation: t.tc.metadata.generation,
    survivor: [t.survivor.url, t.survivor.host],
    leaving: [...t.leaving].sort(),
    database: t.database,
    password: hashOf(t.password),
  });
}

/** Runs SYSTEM SYNC REPLICA on the survivor for each of its replicated tables, one after another. */
export function syncSurvivor(t: SyncTarget, deps: Deps): Promise<SyncDone> {
  return deps.clickhouse.use(t.survivor, t.password, async (sql) => {
    const tables = await replicatedTables(sql, t.database);
    for (const table of tables) await syncReplica(sql, t.database, table.table);
    return { tables: tables.length };
  });
}

/** Where the sync for `t` stands, as far as the step needs to know. */
export type SyncState =
  | { readonly phase: 'synced'; readonly done: SyncDone }
  /** No result for `t` yet: a task for it runs (or waits for an older one of the shard to settle). */
  | { readonly phase: 'running' }
  /** The last sync for `t` failed; `retryInMs` until it is retried (0: a retry runs now). */
  | { readonly phase: 'failed'; readonly error: Error; readonly retryInMs: number };

/**
 * The sync state for `t`, starting a sync when none for `t` has a result or runs, and retrying a failed
 * one once it is `queue.progressRequeueMs` old. Never waits for ClickHouse.
 */
export function currentSync(t: SyncTarget, deps: Deps): SyncState {
  const tasks = deps.replicaSyncs;
  const owner = syncOwner(schemaOwner(t.tc), t.shard);
  const key = syncKey(t);
  const start = () => tasks.start(owner, key, () => syncSurvivor(t, deps));
  const last = tasks.last(owner);
  if (last?.key !== key) {
    start();
    return { phase: 'running' };
  }
  if (last.ok && last.value) return { phase: 'synced', done: last.value };
  const error = last.error ?? new Error('sync replica failed');
  if (tasks.running(owner) === key) return { phase: 'failed', error, retryInMs: 0 };
  const retryMs = deps.config.queue.progressRequeueMs;
  const age = performance.now() - last.at;
  if (age >= retryMs && start()) return { phase: 'failed', error, retryInMs: 0 };
  return { phase: 'failed', error, retryInMs: Math.max(1, retryMs - age) };
}
