// keeper: apply the Keeper objects, then GATE on a quorum (more than half of the members Ready). Nothing of
// ClickHouse is created before that: ClickHouse needs Keeper for replicated tables and ON CLUSTER DDL.
// Whether Keeper has fully rolled out is recorded too: ClickHouse replicas restart only after it has.
import { namesOf } from '../../cdk8s/index.ts';
import {
  ConditionReason as Reason,
  ConditionStatus as Status,
  ConditionType as Type,
} from '../../crds/conditions.ts';
import { kinds } from '../../kube/kinds.ts';
import { appliedAsRendered, applyAll } from '../reconcile/apply.ts';
import {
  type Deps,
  type ReconcileState,
  renderedOf,
  requeue,
  type Step,
  setCondition,
  tcOf,
} from '../reconcile/state.ts';
import { componentObjects, workloadStatus } from './objects.ts';
import { unboundClaims, unboundMessage } from './unbound-claims.ts';

export const quorum = (members: number): number => Math.floor(members / 2) + 1;

export const keeper: Step = {
  name: 'keeper',
  condition: Type.KeeperReady,
  async run(state: ReconcileState, deps: Deps) {
    const tc = tcOf(state);
    const objects = componentObjects(renderedOf(state).objects, 'keeper');
    await applyAll(objects, state, deps);
    const names = namesOf(tc);
    const liveSet = deps.cache.get(kinds.StatefulSet, names.namespace, names.keeper);
    const live = workloadStatus(liveSet);
    // Rolled out = the cache shows what was just applied (not an older object) and every member runs it.
    const desired = objects.find((o) => o.kind === 'StatefulSet');
    state.keeperRolledOut = !!desired && appliedAsRendered(desired, liveSet) && (live?.rolledOut ?? false);
    const members = tc.spec.keeper.replicas;
    const ready = live?.readyReplicas ?? 0;
    state.status.keeper = { replicas: members, readyReplicas: ready, summary: `${ready}/${members}` };
    const message = `${ready}/${members} Keeper members ready (quorum ${quorum(members)})`;
    if (ready >= quorum(members)) {
      setCondition(state, Type.KeeperReady, Status.True, Reason.Available, message);
      return 'continue';
    }
    const unbound = await unboundClaims(desired ? [desired] : [], names.namespace, tc.metadata.name, deps);
    const wasReady = previousStatus(state, Type.KeeperReady) === Status.True;
    if (unbound.length > 0) {
      const detail = `${message}: ${unboundMessage(unbound)}`;
      setCondition(state, Type.KeeperReady, Status.False, Reason.ClaimUnbound, detail);
    } else {
      const reason = wasReady ? Reason.QuorumLost : Reason.QuorumPending;
      setCondition(state, Type.KeeperReady, Status.False, reason, message);
    }
    requeue(state, deps.config.queue.progressRequeueMs);
    return 'stop';
  },
};

export function previousStatus(state: ReconcileState, type: Type): string | undefined {
  const conditions = (state.live.status as { conditions?: { type: string; status: string }[] } | undefined)
    ?.conditions;
  return conditions?.find((c) => c.type === type)?.status;
}
