// keeper: apply the Keeper objects, then GATE on a quorum (more than half of the members Ready). Nothing of
// ClickHouse is created before that: ClickHouse needs Keeper for replicated tables and ON CLUSTER DDL.
import { namesOf } from '../../cdk8s/index.ts';
import {
  ConditionReason as Reason,
  ConditionStatus as Status,
  ConditionType as Type,
} from '../../crds/conditions.ts';
import { kinds } from '../../kube/kinds.ts';
import { applyAll } from '../reconcile/apply.ts';
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

export const quorum = (members: number): number => Math.floor(members / 2) + 1;

export const keeper: Step = {
  name: 'keeper',
  async run(state: ReconcileState, deps: Deps) {
    const tc = tcOf(state);
    await applyAll(componentObjects(renderedOf(state).objects, 'keeper'), state, deps);
    const names = namesOf(tc);
    const live = workloadStatus(deps.cache.get(kinds.StatefulSet, names.namespace, names.keeper));
    const members = tc.spec.keeper.replicas;
    const ready = live?.readyReplicas ?? 0;
    state.status.keeper = { replicas: members, readyReplicas: ready };
    const message = `${ready}/${members} Keeper members ready (quorum ${quorum(members)})`;
    if (ready >= quorum(members)) {
      setCondition(state, Type.KeeperReady, Status.True, Reason.Available, message);
      return 'continue';
    }
    const wasReady = previousStatus(state, Type.KeeperReady) === Status.True;
    setCondition(
      state,
      Type.KeeperReady,
      Status.False,
      wasReady ? Reason.QuorumLost : Reason.QuorumPending,
      message,
    );
    requeue(state, deps.config.queue.progressRequeueMs);
    return 'stop';
  },
};

export function previousStatus(state: ReconcileState, type: Type): string | undefined {
  const conditions = (state.live.status as { conditions?: { type: string; status: string }[] } | undefined)
    ?.conditions;
  return conditions?.find((c) => c.type === type)?.status;
}
