// parse: default and validate the TrackerCluster as the apiserver would. An invalid spec is a condition,
// not an error: retrying cannot fix it, so there is no hot retry loop (the next edit triggers a reconcile).
// Either way the component conditions keep what was last observed.
// paused: `spec.paused` stops every write to children; only the Paused condition is recorded.

import { ConfigError } from '../../common/config/problems.ts';
import {
  ConditionReason as Reason,
  ConditionStatus as Status,
  ConditionType as Type,
} from '../../crds/conditions.ts';
import { type ReconcileState, type Step, setCondition, tcOf } from '../reconcile/state.ts';
import { parsedSpecs } from './parse-memo.ts';

export const parse: Step = {
  name: 'parse',
  run(state: ReconcileState) {
    try {
      // The CRD's checks again (the apiserver's may be sidestepped or older), and retention's; an
      // unchanged spec is not parsed again (parse-memo.ts).
      state.tc = parsedSpecs.parse(state.live);
      return 'continue';
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      // Nothing was observed: the components still run the last valid spec. Saying "Waiting for a Keeper
      // quorum" of a cluster whose Keeper runs would be untrue, and flapping every condition on each typo
      // told a story of Events that never happened.
      keepComponentConditions(state);
      setCondition(state, Type.Ready, Status.False, Reason.SpecInvalid, err.problems.join('; '));
      return 'stop';
    }
  },
};

export const paused: Step = {
  name: 'paused',
  run(state: ReconcileState) {
    if (!tcOf(state).spec.paused) return 'continue';
    const message = 'spec.paused is true: the operator changes nothing until it is false';
    // Component conditions keep their last stored value: nothing was observed while paused.
    const previous = keepComponentConditions(state);
    setCondition(state, Type.Ready, Status.False, Reason.Paused, message);
    // Paused means no writes at all: once Paused is recorded, not even observedGeneration moves.
    const ready = previous.find((c) => c.type === Type.Ready);
    state.skipStatus = ready?.reason === Reason.Paused;
    return 'stop';
  },
};

type StoredCondition = { type: string; status: string; reason: string; message: string };

/** The stored component conditions (not Ready) carried over unchanged; returns every stored condition. */
function keepComponentConditions(state: ReconcileState): StoredCondition[] {
  const previous = (state.live.status as { conditions?: StoredCondition[] } | undefined)?.conditions ?? [];
  for (const c of previous) {
    if (c.type !== Type.Ready) state.conditions.set(c.type as Type, c as never);
  }
  return previous;
}
