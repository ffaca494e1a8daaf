// retire: removing ClickHouse replicas without losing data or leaving Keeper metadata behind, when
// spec.clickhouse.replicas goes down. Level-triggered, in two parts, and only after the schema gate (every
// rendered host Ready and current), so a shard is never reduced while it is degraded:
// 1. A replica StatefulSet the spec no longer renders (its shard stays) is deleted only after the shard's
//    surviving replica has fetched every part the replication log announced (SYSTEM SYNC REPLICA on each
//    replicated table), including parts only the leaving replica had. That sync waits for ClickHouse's
//    fetches, so it runs in the background (replica-sync.ts), one task per shard for its survivor and its
//    leaving replicas; the step starts it and deletes only on a successful result for exactly those
//    replicas. prune leaves these objects to this step; until then the replica stays and ClickHouseReady
//    says why (the sync running, or its last failure until the retry succeeds).
// 2. Once it is gone, Keeper still lists it under every replicated table. A survivor's system.replicas
//    (read in the background, replica-scan.ts) says which replicas Keeper knows; a name this
//    TrackerCluster renders no more, that is inactive and whose StatefulSet no longer exists, is
//    dropped (SYSTEM DROP REPLICA ... FROM TABLE). Its retained
//    volume is marked first: a replica started again on that data would find its metadata gone, so the
//    clickhouse step refuses to recreate it until the volume is deleted (the data is on the survivors).
import { labelKeys, namesOf } from '../../cdk8s/index.ts';
import {
  EventReason,
  ConditionReason as Reason,
  ConditionStatus as Status,
  ConditionType as Type,
} from '../../crds/conditions.ts';
import type { TrackerCluster } from '../../crds/trackercluster.ts';
import { kinds } from '../../kube/kinds.ts';
import type { KubeObject } from '../../kube/object.ts';
import type { Replica } from '../clickhouse.ts';
import { deleteObject } from '../reconcile/apply.ts';
import {
  type Deps,
  type ReconcileState,
  renderedOf,
  requeue,
  type Step,
  type StepOutcome,
  setCondition,
  tcOf,
} from '../reconcile/state.ts';
import { recordEvent } from '../reconcile/write.ts';
import { dropReplica, type ReplicatedTable } from '../replication.ts';
import { claimNames, markDropped } from './claims.ts';
import { currentScan, type ReplicaScan, rescan } from './replica-scan.ts';
import { currentSync } from './replica-sync.ts';
import { clickhousePassword } from './schema.ts';

/**
 * A ClickHouse replica's object (StatefulSet or ConfigMap) in a shard that stays: when the spec no longer
 * renders it, it is this step's to remove, not prune's.
 */
export function isLeavingReplica(obj: KubeObject, renderedShards: number): boolean {
  const shard = obj.metadata.labels?.[labelKeys.shard];
  return (
    (obj.kind === 'StatefulSet' || obj.kind === 'ConfigMap') &&
    obj.metadata.labels?.['app.kubernetes.io/component'] === 'clickhouse' &&
    obj.metadata.labels?.[labelKeys.replica] !== undefined &&
    shard !== undefined &&
    Number(shard) < renderedShards
  );
}

/** The shard and replica a Keeper replica name of this cluster stands for (`<name>-ch-<s>-<r>`, or with a
 * `<s>-` prefix as in the cluster-wide schema_migrations table); undefined for anyone else's name. */
export function replicaOfName(
  tc: TrackerCluster,
  name: string,
): { shard: number; replica: number } | undefined {
  const base = tc.metadata.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const match = new RegExp(`^(?:\\d+-)?${base}-ch-(\\d+)-(\\d+)$`).exec(name);
  return match ? { shard: Number(match[1]), replica: Number(match[2]) } : undefined;
}

type Context = {
  readonly tc: TrackerCluster;
  readonly shards: number;
  readonly database: string;
  readonly password: string;
  /** The replica each shard is served by in this step: its first rendered one. */
  readonly survivors: ReadonlyMap<number, Replica>;
};

export const retire: Step = {
  name: 'retire',
  async run(state: ReconcileState, deps: Deps): Promise<StepOutcome> {
    const tc = tcOf(state);
    const shards = state.renderedShards ?? tc.spec.clickhouse.shards;
    const survivors = new Map<number, Replica>();
    for (const r of deps.clickhouse.replicas(tc, shards))
      if (!survivors.has(r.shard)) survivors.set(r.shard, r);
    const ctx: Context = {
      tc,
      shards,
      database: tc.spec.schema.database,
      password: await clickhousePassword(tc, deps, state),
      survivors,
    };
    const kept: Kept[] = [];
    for (const [shard, sets] of byShard(leavingSets(state, deps, shards))) {
      const k = await retireShard(shard, sets, ctx, state, deps);
      if (k) kept.push(k);
    }
    reportKept(kept, state);
    const ns = namesOf(tc).namespace;
    const sets = deps.cache
      .owned(kinds.StatefulSet, ns, tc.metadata.uid)
      .filter((s) => s.metadata.labels?.[labelKeys.replica] !== undefined)
      .map((s) => s.metadata.name);
    const known = currentScan({ ...ctx, sets }, deps, (s) => unrendered(s, ctx));
    if (known && !known.ok) throw known.error ?? new Error('read system.replicas failed');
    if (!known?.value) return 'continue';
    // Keeper lists a replica this cluster renders no more: look again until it can be dropped.
    if (unrendered(known.value, ctx)) requeue(state, deps.config.queue.progressRequeueMs);
    let dropped = false;
    for (const [shard, survivor] of survivors) {
      const tables = known.value.get(shard) ?? [];
      dropped = (await dropGone(shard, survivor, tables, ctx, state, deps)) || dropped;
    }
    if (dropped) rescan(tc, deps);
    return 'continue';
  },
};

function leavingSets(state: ReconcileState, deps: Deps, shards: number): KubeObject[] {
  const tc = tcOf(state);
  const rendered = new Set(renderedOf(state).objects.map((o) => `${o.kind}/${o.metadata.name}`));
  return deps.cache
    .owned(kinds.StatefulSet, tc.metadata.namespace ?? 'default', tc.metadata.uid)
    .filter(
      (s) =>
        isLeavingReplica(s, shards) &&
        !rendered.has(`StatefulSet/${s.metadata.name}`) &&
        !s.metadata.deletionTimestamp,
    );
}

/** The leaving StatefulSets by the shard they leave. */
function byShard(sets: readonly KubeObject[]): Map<number, KubeObject[]> {
  const shards = new Map<number, KubeObject[]>();
  for (const s of sets) {
    const shard = Number(s.metadata.labels?.[labelKeys.shard]);
    shards.set(shard, [...(shards.get(shard) ?? []), s]);
  }
  return shards;
}

/** Why a shard's leaving replicas are kept: its sync runs, or its last one failed. */
type Kept = { readonly failed: boolean; readonly message: string };

/**
 * Deletes a shard's leaving StatefulSets (and ConfigMaps) once the background sync for exactly them on the
 * shard's survivor has succeeded; until then starts or retries it and says why they are kept.
 */
async function retireShard(
  shard: number,
  sets: readonly KubeObject[],
  ctx: Context,
  state: ReconcileState,
  deps: Deps,
): Promise<Kept | undefined> {
  const survivor = ctx.survivors.get(shard);
  if (!survivor) return undefined;
  const leaving = sets.map((s) => s.metadata.name).sort();
  const target = { tc: ctx.tc, shard, survivor, leaving, database: ctx.database, password: ctx.password };
  const sync = currentSync(target, deps);
  const retryMs = deps.config.queue.progressRequeueMs;
  const which = leaving.join(', ');
  if (sync.phase === 'running') {
    // The sync's completion enqueues the cluster; this only bounds the wait should that be lost.
    requeue(state, retryMs);
    const message = `Keeping ${which} while ${survivor.host} fetches its parts (SYSTEM SYNC REPLICA running)`;
    return { failed: false, message };
  }
  if (sync.phase === 'failed') {
    // While a retry runs the last failure stays the message: the condition does not flap.
    requeue(state, sync.retryInMs > 0 ? sync.retryInMs : retryMs);
    const message = `Keeping ${which} until ${survivor.host} has fetched its parts: ${sync.error.message}`;
    return { failed: true, message };
  }
  for (const sts of sets) {
    const name = sts.metadata.name;
    const configMap = deps.cache.get(kinds.ConfigMap, sts.metadata.namespace ?? 'default', name);
    await deleteObject(sts, state, deps);
    if (configMap) await deleteObject(configMap, state, deps);
    const message = `Deleted StatefulSet/${name} after ${survivor.host} fetched its parts (${sync.done.tables} replicated tables synced)`;
    await recordEvent(state, deps, 'Normal', EventReason.ReplicaRetired, message);
  }
  // Its Keeper metadata can only be dropped once the pod has stopped.
  requeue(state, retryMs);
  return undefined;
}

/**
 * ClickHouseReady says why replicas are kept, every shard's reason in one message. A failed sync is the
 * reason when any shard has one, so a shard still syncing does not hide another's failure.
 */
function reportKept(kept: readonly Kept[], state: ReconcileState): void {
  const failed = kept.filter((k) => k.failed);
  const shown = failed.length > 0 ? failed : kept;
  if (shown.length === 0) return;
  const reason = failed.length > 0 ? Reason.ReplicaSyncPending : Reason.ReplicaSyncRunning;
  const message = shown.map((k) => k.message).join('; ');
  setCondition(state, Type.ClickHouseReady, Status.False, reason, message);
}

type Drop = { readonly table: string; readonly name: string };

/**
 * Keeper replicas to drop, by the replica's object name: names of this cluster it renders no more, that
 * are inactive, and whose StatefulSet no longer exists (`exists`). Anyone else's names are never touched.
 */
export function goneReplicas(
  tables: readonly ReplicatedTable[],
  tc: TrackerCluster,
  shards: number,
  exists: (object: string) => boolean,
): Map<string, Drop[]> {
  const names = namesOf(tc);
  const gone = new Map<string, Drop[]>();
  for (const t of tables) {
    for (const [name, active] of Object.entries(t.replicas)) {
      const id = replicaOfName(tc, name);
      if (!id || active || (id.shard < shards && id.replica < tc.spec.clickhouse.replicas)) continue;
      const object = names.replica(id.shard, id.replica);
      if (!exists(object)) gone.set(object, [...(gone.get(object) ?? []), { table: t.table, name }]);
    }
  }
  return gone;
}

/** Keeper still lists a name of this cluster it renders no more (active or not): worth reading again soon. */
function unrendered(scan: ReplicaScan, ctx: Context): boolean {
  const rendered = (id: { shard: number; replica: number }) =>
    id.shard < ctx.shards && id.replica < ctx.tc.spec.clickhouse.replicas;
  return [...scan.values()].some((tables) =>
    tables.some((t) =>
      Object.keys(t.replicas).some((name) => {
        const id = replicaOfName(ctx.tc, name);
        return id !== undefined && !rendered(id);
      }),
    ),
  );
}

/** Drops what `tables` (the last scan of the survivor) shows gone; true when anything was dropped. */
async function dropGone(
  shard: number,
  survivor: Replica,
  tables: readonly ReplicatedTable[],
  ctx: Context,
  state: ReconcileState,
  deps: Deps,
): Promise<boolean> {
  const ns = namesOf(ctx.tc).namespace;
  const exists = (object: string) => deps.cache.get(kinds.StatefulSet, ns, object) !== undefined;
  const gone = goneReplicas(tables, ctx.tc, ctx.shards, exists);
  if (gone.size === 0) return false;
  await deps.clickhouse.use(survivor, ctx.password, async (sql) => {
    for (const [object, drops] of gone) {
      await markDropped(claimNames(renderedOf(state), object), ns, state, deps);
      for (const d of drops) await dropReplica(sql, ctx.database, d.table, d.name);
      const message = `Dropped the Keeper metadata of replica ${object} from ${drops.length} tables through ${survivor.host} (shard ${shard}); its volume is kept and marked`;
      await recordEvent(state, deps, 'Normal', EventReason.ReplicaDropped, message);
    }
  });
  return true;
}
