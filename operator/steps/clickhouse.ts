// clickhouse: apply Services, ConfigMaps and PDBs of ClickHouse, then the per-replica StatefulSets as the
// rollout plan allows (rollout.ts: one restart per shard; rollout-gate.ts: Keeper first, the next restart
// only after the last one is healthy and caught up, a failed replica stops it). clickhouseReady: GATE on
// every host rolled out and Ready.
import { labelKeys, namesOf } from '../../cdk8s/index.ts';
import {
  EventReason,
  ConditionReason as Reason,
  ConditionStatus as Status,
  ConditionType as Type,
} from '../../crds/conditions.ts';
import { kinds } from '../../kube/kinds.ts';
import type { KubeObject } from '../../kube/object.ts';
import { applyAll, applyObject, fieldManager } from '../reconcile/apply.ts';
import { driftedFields, oncePerPair } from '../reconcile/drift.ts';
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
import { claimNames, droppedClaim } from './claims.ts';
import { componentObjects, workloadStatus } from './objects.ts';
import { absentSecrets, missingSecretsMessage } from './pod-secrets.ts';
import { planRollout, type ReplicaState, templateHashAnnotation, withTemplateHash } from './rollout.ts';
import { rolloutGate } from './rollout-gate.ts';
import { schemaOwner } from './schema-task.ts';
import { unboundClaims, unboundMessage } from './unbound-claims.ts';

const isReplicaSet = (o: KubeObject) => o.kind === 'StatefulSet';

/**
 * A replica's pod template changed when the rendered one did (its hash) or when someone else edited the
 * live one (drift): either way applying restarts the pod, so both follow the one-restart-per-shard plan.
 */
function templateChanged(desired: KubeObject, live: KubeObject): boolean {
  const want = desired.metadata.annotations?.[templateHashAnnotation];
  if (live.metadata.annotations?.[templateHashAnnotation] !== want) return true;
  return templateDrift(desired, live, () =>
    driftedFields(desired, live, fieldManager).some((d) => d.path.startsWith('spec.template')),
  );
}

/** Whether the live pod template drifted, once per rendered set and cached live set (reconcile/drift.ts). */
const templateDrift = oncePerPair<boolean>();

function replicaState(desired: KubeObject, deps: Deps): ReplicaState {
  const { name, namespace = 'default', labels } = desired.metadata;
  const live = deps.cache.get(kinds.StatefulSet, namespace, name);
  return {
    name,
    shard: Number(labels?.[labelKeys.shard] ?? 0),
    exists: live !== undefined,
    templateChanged: live !== undefined && templateChanged(desired, live),
    ready: workloadStatus(live)?.rolledOut ?? false,
  };
}

export const clickhouse: Step = {
  name: 'clickhouse',
  condition: Type.ClickHouseReady,
  async run(state: ReconcileState, deps: Deps): Promise<StepOutcome> {
    const objects = componentObjects(renderedOf(state).objects, 'clickhouse');
    await applyAll(
      objects.filter((o) => !isReplicaSet(o)),
      state,
      deps,
    );
    const sets = objects.filter(isReplicaSet).map(withTemplateHash);
    const plan = await planReplicas(sets, state, deps);
    for (const sts of sets) {
      const action = plan.get(sts.metadata.name);
      if (action === 'hold') continue;
      if (action === 'create' && (await staleVolume(sts, state, deps))) continue;
      const result = await applyObject(sts, state, deps);
      if (action === 'restart' && result === 'applied') {
        const message = `Restarting ${sts.metadata.name}: restart-relevant configuration or pod template changed`;
        await recordEvent(state, deps, 'Normal', EventReason.RestartingReplica, message);
      }
    }
    state.rolloutPending = [...plan.values()].some((a) => a === 'hold' || a === 'restart');
    return 'continue';
  },
};

/** The rollout plan; during a rollout it also waits for Keeper and for healthy, caught-up replicas. */
async function planReplicas(sets: readonly KubeObject[], state: ReconcileState, deps: Deps) {
  const replicas = sets.map((s) => replicaState(s, deps));
  if (!replicas.some((r) => r.exists && r.templateChanged)) return planRollout(replicas);
  const gate = await rolloutGate(replicas, state, deps);
  if (gate.held) state.clickhouseHeld = gate.held;
  state.rolloutWaiting = gate.waiting;
  return planRollout(gate.replicas, { holdRestarts: gate.held !== undefined });
}

/** A replica is not recreated on a volume whose Keeper metadata was dropped at scale-down (claims.ts). */
async function staleVolume(sts: KubeObject, state: ReconcileState, deps: Deps): Promise<boolean> {
  const ns = sts.metadata.namespace ?? 'default';
  const claim = await droppedClaim(claimNames(renderedOf(state), sts.metadata.name), ns, deps);
  if (!claim) return false;
  state.clickhouseHeld = {
    reason: Reason.StaleReplicaVolume,
    message: `Not recreating ${sts.metadata.name}: PersistentVolumeClaim ${claim} holds the data of a replica whose Keeper metadata was dropped when it was removed; delete that PVC to recreate the replica on an empty volume (its parts are on the replicas that stayed)`,
  };
  return true;
}

export const clickhouseReady: Step = {
  name: 'clickhouseReady',
  condition: Type.ClickHouseReady,
  async run(state: ReconcileState, deps: Deps) {
    const tc = tcOf(state);
    const sets = componentObjects(renderedOf(state).objects, 'clickhouse').filter(isReplicaSet);
    const ns = tc.metadata.namespace ?? 'default';
    const waiting = sets.filter(
      (s) => !workloadStatus(deps.cache.get(kinds.StatefulSet, ns, s.metadata.name))?.rolledOut,
    );
    const ready = sets.length - waiting.length;
    const { replicas } = tc.spec.clickhouse;
    const summary = `${state.renderedShards ?? tc.spec.clickhouse.shards}x${replicas} ${ready}/${sets.length}`;
    state.status.clickhouse = { replicas: sets.length, readyReplicas: ready, summary };
    const message = `${ready}/${sets.length} ClickHouse hosts ready`;
    const refused = state.shardDecreaseRefused;
    const held = state.clickhouseHeld;
    if (held) {
      setCondition(state, Type.ClickHouseReady, Status.False, held.reason, held.message);
      requeue(state, deps.config.queue.progressRequeueMs);
      return 'stop';
    }
    if (ready === sets.length && !state.rolloutPending) {
      if (refused) {
        const why = `spec.clickhouse.shards is ${refused.to} but ${refused.from} shards exist and spec.allowDataLoss is false: keeping ${refused.from} shards`;
        setCondition(state, Type.ClickHouseReady, Status.False, Reason.ShardDecreaseRefused, why);
      } else setCondition(state, Type.ClickHouseReady, Status.True, Reason.Available, message);
      return 'continue';
    }
    // A host that is not ready may come back on an empty volume: its schema is verified again afterwards.
    deps.schemaTasks.forget(schemaOwner(tc));
    await setNotReady(state, deps, { sets, waiting }, message);
    requeue(state, deps.config.queue.progressRequeueMs);
    return 'stop';
  },
};

/**
 * ClickHouseReady while hosts are not ready: a Secret their pods need missing, a restart in progress, a
 * claim not bound, or just waiting.
 */
async function setNotReady(
  state: ReconcileState,
  deps: Deps,
  { sets, waiting }: { sets: readonly KubeObject[]; waiting: readonly KubeObject[] },
  message: string,
): Promise<void> {
  const ns = namesOf(tcOf(state)).namespace;
  // Pods waiting for a Secret the spec names (spec.clickhouse.passwordSecretRef, not made yet) never
  // start: say which, instead of only "0/4 ClickHouse hosts ready".
  const missing = await absentSecrets(sets, ns, deps, state);
  if (missing.length > 0) {
    const detail = missingSecretsMessage(message, missing, ns);
    setCondition(state, Type.ClickHouseReady, Status.False, Reason.SecretMissing, detail);
    return;
  }
  if (state.rolloutPending) {
    const on = state.rolloutWaiting?.length ? `; waiting for ${state.rolloutWaiting.join(', ')}` : '';
    setCondition(state, Type.ClickHouseReady, Status.False, Reason.RestartInProgress, `${message}${on}`);
    return;
  }
  const tc = tcOf(state);
  const unbound = await unboundClaims(waiting, namesOf(tc).namespace, tc.metadata.name, deps);
  if (unbound.length === 0)
    setCondition(state, Type.ClickHouseReady, Status.False, Reason.ReplicasNotReady, message);
  else {
    const detail = `${message}: ${unboundMessage(unbound)}`;
    setCondition(state, Type.ClickHouseReady, Status.False, Reason.ClaimUnbound, detail);
  }
}
