// What Keeper knows about a TrackerCluster's replicas, read in the background (reconcile/background.ts):
// the retire step drops the Keeper metadata of replicas that are gone, which needs `system.replicas` of
// each shard's survivor. Reading it on every reconcile put a ClickHouse round trip (seconds while the
// server migrates) before every write after the schema gate. So a scan runs as a task per cluster, the
// step acts on its last result, and the scan runs again when the survivors, the rendered replica counts
// or this cluster's replica StatefulSets change, after anything was dropped, after queue.progressRequeueMs
// while Keeper still lists an unrendered name of this cluster (its pod may not have stopped yet), and
// otherwise at the periodic resync. A failed scan fails the reconcile in `retire` as the read did before.
import type { TrackerCluster } from '../../crds/trackercluster.ts';
import { hashOf } from '../../kube/hash.ts';
import type { Replica } from '../clickhouse.ts';
import { BackgroundTasks, type TaskResult } from '../reconcile/background.ts';
import type { Deps } from '../reconcile/state.ts';
import { type ReplicatedTable, replicatedTables } from '../replication.ts';
import { schemaOwner } from './schema-task.ts';

/** Per shard, the replicated tables its survivor lists, with every replica Keeper knows for each. */
export type ReplicaScan = ReadonlyMap<number, readonly ReplicatedTable[]>;
export type ReplicaScans = BackgroundTasks<ReplicaScan>;

export function replicaScans(
  onSettled: (owner: string, result: TaskResult<ReplicaScan>, changed: boolean) => void,
): ReplicaScans {
  const same = (a: ReplicaScan, b: ReplicaScan) => hashOf([...a]) === hashOf([...b]);
  return new BackgroundTasks<ReplicaScan>({ onSettled, same });
}

/** The scan owner of a cluster whose work-queue key is `key`; `clusterOf` maps it back. */
export const scanOwner = (key: string): string => `${key}#replicas`;
export const clusterOf = (owner: string): string => owner.split('#')[0] as string;

export type ScanTarget = {
  readonly tc: TrackerCluster;
  readonly shards: number;
  readonly database: string;
  readonly password: string;
  readonly survivors: ReadonlyMap<number, Replica>;
  /** This cluster's replica StatefulSets that exist now (a deleted one's pod may leave Keeper soon). */
  readonly sets: readonly string[];
};

export function scanKey(t: ScanTarget): string {
  const survivors = [...t.survivors].map(([shard, r]) => [shard, r.url, r.host]);
  return hashOf({
    uid: t.tc.metadata.uid,
    survivors,
    shards: t.shards,
    replicas: t.tc.spec.clickhouse.replicas,
    sets: [...t.sets].sort(),
    database: t.database,
    password: hashOf(t.password),
  });
}

export async function scan(t: ScanTarget, deps: Deps): Promise<ReplicaScan> {
  const entries = await Promise.all(
    [...t.survivors].map(async ([shard, survivor]) => {
      const tables = await deps.clickhouse.use(survivor, t.password, (sql) =>
        replicatedTables(sql, t.database),
      );
      return [shard, tables] as const;
    }),
  );
  return new Map(entries);
}

/**
 * The last scan for `t` when it is current, else undefined; starts a scan when none is current or the
 * last one is due again (`unsettled`: Keeper lists names this cluster renders no more).
 */
export function currentScan(
  t: ScanTarget,
  deps: Deps,
  unsettled: (s: ReplicaScan) => boolean,
): TaskResult<ReplicaScan> | undefined {
  const tasks = deps.replicaScans;
  const owner = scanOwner(schemaOwner(t.tc));
  const key = scanKey(t);
  const last = tasks.last(owner);
  const current = last?.key === key ? last : undefined;
  const age = current ? performance.now() - current.at : 0;
  const every =
    current?.ok && current.value && !unsettled(current.value)
      ? deps.config.watch.relistIntervalMs / 2
      : deps.config.queue.progressRequeueMs;
  if (!current || age >= every) tasks.start(owner, key, () => scan(t, deps));
  return current;
}

/** After a drop the scan is out of date: the next reconcile reads again. */
export function rescan(tc: TrackerCluster, deps: Deps): void {
  deps.replicaScans.forget(scanOwner(schemaOwner(tc)));
}
