// What a ClickHouse rollout (a changed pod template: a new spec.clickhouse.image, restart-relevant config)
// waits for before it restarts the next replica, on top of the one-restart-per-shard plan (rollout.ts):
// - Keeper first: no ClickHouse replica restarts while the Keeper StatefulSet is still rolling out.
// - Healthy and caught up: a replica counts as ready for its shard peers' restarts only when its pod is
//   Ready AND ClickHouse on it answers with an empty replication queue (system.replication_queue), so a
//   restart never takes away the only replica that has the newest parts.
// - A failed replica stops the rollout everywhere: one that already runs the new template and is still not
//   healthy `clickhouse.restartTimeoutMs` after the operator last changed it. Going on would break one
//   replica per shard; the rollout resumes by itself once that replica recovers (or the spec is reverted).
// - A replica not restarted yet that refuses the operator's password (a rotated password Secret) counts as
//   healthy when its pod is Ready: it still runs with the previous password.
// ClickHouse is queried only while a rollout is pending; a steady cluster makes no query here.
import { namesOf } from '../../cdk8s/index.ts';
import { type ConditionReason, ConditionReason as Reason } from '../../crds/conditions.ts';
import { kinds } from '../../kube/kinds.ts';
import { authenticationFailed, clickhouseCode } from '../../store/index.ts';
import { fieldManager } from '../reconcile/apply.ts';
import { appliedAt } from '../reconcile/drift.ts';
import { type Deps, type ReconcileState, tcOf } from '../reconcile/state.ts';
import { replicationQueueLength } from '../replication.ts';
import type { ReplicaState } from './rollout.ts';
import { clickhousePassword } from './schema.ts';

export type Held = { reason: ConditionReason; message: string };

export type RolloutGate = {
  /** The replicas with `ready` meaning healthy and caught up. */
  readonly replicas: ReplicaState[];
  /** Set when no replica may restart now (Keeper rolling out, a failed replica). */
  readonly held?: Held;
  /** What the next restarts wait for, for the condition message. */
  readonly waiting: string[];
};

type Health = { readonly ok: boolean; readonly why: string };

export async function rolloutGate(
  replicas: readonly ReplicaState[],
  state: ReconcileState,
  deps: Deps,
): Promise<RolloutGate> {
  if (state.keeperRolledOut === false) {
    const message = 'ClickHouse restarts wait until the Keeper StatefulSet has rolled out';
    return {
      replicas: [...replicas],
      held: { reason: Reason.WaitingForKeeperRollout, message },
      waiting: [],
    };
  }
  const health = await healthOf(replicas, state, deps);
  const gated = replicas.map((r) => ({ ...r, ready: health.get(r.name)?.ok ?? r.ready }));
  const waiting = [...health].filter(([, h]) => !h.ok).map(([name, h]) => `${name}: ${h.why}`);
  const failed = failedReplica(replicas, health, state, deps);
  if (failed) return { replicas: gated, held: { reason: Reason.RolloutFailed, message: failed }, waiting };
  return { replicas: gated, waiting };
}

async function healthOf(
  replicas: readonly ReplicaState[],
  state: ReconcileState,
  deps: Deps,
): Promise<Map<string, Health>> {
  const tc = tcOf(state);
  const names = namesOf(tc);
  const password = await clickhousePassword(tc, deps, state);
  const endpoints = deps.clickhouse.replicas(tc, state.renderedShards ?? tc.spec.clickhouse.shards);
  const entries = await Promise.all(
    replicas
      .filter((r) => r.exists)
      .map(async (r): Promise<[string, Health]> => {
        if (!r.ready) return [r.name, { ok: false, why: 'pod not ready' }];
        const endpoint = endpoints.find((e) => names.replica(e.shard, e.replica) === r.name);
        if (!endpoint) return [r.name, { ok: false, why: 'no endpoint' }];
        try {
          const queue = await deps.clickhouse.use(endpoint, password, (sql) =>
            replicationQueueLength(sql, tc.spec.schema.database),
          );
          return [
            r.name,
            queue === 0 ? { ok: true, why: '' } : { ok: false, why: `replication queue: ${queue} entries` },
          ];
        } catch (err) {
          if (oldPassword(r, err)) return [r.name, { ok: true, why: '' }];
          return [r.name, { ok: false, why: `query failed: ${(err as Error).message}` }];
        }
      }),
  );
  return new Map(entries);
}

/**
 * A replica still on the previous template refused the password: the Secret was rotated and it still runs
 * with the previous one, which the operator no longer has. Its Ready pod stands for its health, or no
 * replica of a shard of two or more could ever restart onto the new password (each would wait for the
 * other). The replicas already restarted are checked in full, so a restart still never takes away the
 * only caught-up replica of a shard.
 */
function oldPassword(r: ReplicaState, err: unknown): boolean {
  return r.templateChanged && clickhouseCode(err) === authenticationFailed;
}

/** The message naming a replica that runs the new template and stayed unhealthy past the timeout. */
function failedReplica(
  replicas: readonly ReplicaState[],
  health: ReadonlyMap<string, Health>,
  state: ReconcileState,
  deps: Deps,
): string | undefined {
  const timeoutMs = deps.config.clickhouse.restartTimeoutMs;
  const ns = tcOf(state).metadata.namespace ?? 'default';
  for (const r of replicas) {
    const h = health.get(r.name);
    if (!r.exists || r.templateChanged || !h || h.ok) continue;
    const since = appliedAt(deps.cache.get(kinds.StatefulSet, ns, r.name), fieldManager);
    if (since === undefined || Date.now() - since < timeoutMs) continue;
    return `Rollout stopped: ${r.name} is not healthy ${Math.round((Date.now() - since) / 1000)} s after it was restarted (${h.why}); no other replica restarts until it recovers`;
  }
  return undefined;
}
