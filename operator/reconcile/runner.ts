// The step runner: a fresh state, the ordered steps (each may stop the list at a gate), then status written
// ONCE through the status subresource, and only when it differs from what is stored (or on its way). With
// the controller's `sendStatus` the reconcile hands its status write over and returns; the controller
// sends it in order or replaces it with a newer one, and handles its answer (ADR 0030, ADR 0065).
// Conflicts become a short requeue; any other error marks the failing step in the Ready condition and goes
// to the queue's backoff as a StepError that names the step (a field, for metrics and logs). Conditions that changed status produce one Event each. Every write goes through
// write.ts.

import {
  type ConditionReason,
  conditionTypes,
  ConditionReason as Reason,
  ConditionStatus as Status,
  ConditionType as Type,
} from '../../crds/conditions.ts';
import type { Condition, TrackerClusterStatus } from '../../crds/status.ts';
import { sameJson } from '../../kube/hash.ts';
import { kinds } from '../../kube/kinds.ts';
import type { KubeObject } from '../../kube/object.ts';
import { objectPath } from '../../kube/paths.ts';
import { isConflict } from '../../kube/rest.ts';
import { type Deps, type ReconcileState, requeue, type Step, setCondition } from './state.ts';
import { recordEvent, reportReaction, write } from './write.ts';

export type ReconcileOutcome = { requeueAfterMs?: number; writes: number };

/** A reconcile that failed in `step` (the name of a step, or `status` for the final status write). */
export class StepError extends Error {
  override readonly name = 'StepError';
  readonly step: string;
  constructor(message: string, step: string, cause: unknown) {
    super(message, { cause });
    this.step = step;
  }
}

const conflictRequeueMs = 200;
const warningReasons = new Set<ConditionReason>([
  Reason.ShardDecreaseRefused,
  Reason.MigrationFailed,
  Reason.TableCopyFailed,
  Reason.ApplyFailed,
  Reason.QuorumLost,
  Reason.SpecInvalid,
  Reason.RolloutFailed,
  Reason.ReplicaSyncPending,
  Reason.StaleReplicaVolume,
]);

export function newState(live: KubeObject): ReconcileState {
  const state: ReconcileState = { live, conditions: new Map(), status: {}, step: '', writes: 0 };
  // Until a step says otherwise, each component waits for the one before it (the gate order).
  setCondition(state, Type.KeeperReady, Status.Unknown, Reason.Reconciling, 'Keeper not reconciled yet');
  setCondition(
    state,
    Type.ClickHouseReady,
    Status.False,
    Reason.WaitingForKeeper,
    'Waiting for a Keeper quorum',
  );
  setCondition(
    state,
    Type.SchemaReady,
    Status.False,
    Reason.WaitingForClickHouse,
    'Waiting for every ClickHouse host',
  );
  setCondition(state, Type.IngestReady, Status.False, Reason.WaitingForSchema, 'Waiting for the schema');
  return state;
}

export async function runSteps(
  live: KubeObject,
  steps: readonly Step[],
  deps: Deps,
): Promise<ReconcileOutcome> {
  // The status this cluster's previous reconcile wrote, if the cache has not caught up with it yet.
  const state = newState(deps.statuses?.overlay(live) ?? live);
  let failure: StepError | undefined;
  for (const step of steps) {
    state.step = step.name;
    const started = performance.now();
    try {
      const pending = step.run(state, deps);
      // Awaiting even a settled promise lets every other reconcile in flight run its next piece first;
      // during a burst of events that put each reaction behind the others' work (ADR 0061).
      const outcome = pending instanceof Promise ? await pending : pending;
      deps.onStepDone?.(step.name, (performance.now() - started) / 1000);
      if (outcome === 'stop') break;
    } catch (err) {
      if (conflict(err)) requeue(state, conflictRequeueMs);
      else failure = stepFailed(state, step, err);
      break;
    }
  }
  finishReady(state);
  state.step = 'status';
  try {
    await writeStatus(state, deps);
  } catch (err) {
    throw failure ?? new StepError(`reconcile ${keyOf(state)}: ${(err as Error).message}`, 'status', err);
  }
  if (failure) throw failure;
  return { requeueAfterMs: state.requeueAfterMs, writes: state.writes };
}

/** A 409, thrown by the apiserver or wrapped by the write path: someone wrote first; retry shortly. */
const conflict = (err: unknown): boolean => isConflict(err) || isConflict((err as Error | undefined)?.cause);

const keyOf = (state: ReconcileState): string =>
  `${state.live.metadata.namespace}/${state.live.metadata.name}`;

function stepFailed(state: ReconcileState, step: Step, err: unknown): StepError {
  const message = `${step.name}: ${(err as Error).message}`;
  if (step.condition) setCondition(state, step.condition, Status.False, Reason.ApplyFailed, message);
  setCondition(state, Type.Ready, Status.False, Reason.ApplyFailed, message);
  return new StepError(`reconcile ${keyOf(state)}: ${message}`, step.name, err);
}

/**
 * Ready is True only when every component is; a step may already have set it (paused, invalid, failed).
 * Otherwise it carries the reason of the first gate in order that is not passed, so `kubectl get` and
 * `kubectl wait` show what the operator waits for, not only that it waits.
 */
function finishReady(state: ReconcileState): void {
  if (state.conditions.has(Type.Ready)) return;
  const waiting = conditionTypes.find(
    (t) => t !== Type.Ready && state.conditions.get(t)?.status !== Status.True,
  );
  const gate = waiting && state.conditions.get(waiting);
  if (!waiting || !gate)
    setCondition(state, Type.Ready, Status.True, Reason.Available, 'All components are ready');
  else setCondition(state, Type.Ready, Status.False, gate.reason, `${waiting}: ${gate.message}`);
}

export function buildStatus(state: ReconcileState, now: string): TrackerClusterStatus {
  const previous = (state.live.status ?? {}) as TrackerClusterStatus;
  const generation = state.live.metadata.generation;
  const conditions: Condition[] = conditionTypes.flatMap((type) => {
    const value = state.conditions.get(type);
    if (!value) return [];
    const before = previous.conditions?.find((c) => c.type === type);
    const lastTransitionTime = before && before.status === value.status ? before.lastTransitionTime : now;
    return [
      { type, ...value, lastTransitionTime, ...(generation ? { observedGeneration: generation } : {}) },
    ];
  });
  // Fields a gated-off step did not compute keep their last value instead of flapping.
  return {
    ...previous,
    ...state.status,
    conditions,
    ...(generation ? { observedGeneration: generation } : {}),
  };
}

async function writeStatus(state: ReconcileState, deps: Deps): Promise<void> {
  if (state.skipStatus) return;
  const status = buildStatus(state, new Date().toISOString());
  if (sameJson(status, state.live.status ?? {})) return;
  const { namespace = 'default', name } = state.live.metadata;
  const path = `${objectPath(kinds.TrackerCluster, namespace, name)}/status`;
  const patch = async () => {
    await write(state, deps, {
      verb: 'patch',
      path,
      target: `TrackerCluster ${name} status`,
      body: { status },
      onWritten: (answer) => deps.statuses?.remember(answer as KubeObject, status),
    });
  };
  // The Events tell the story; the cluster's next reconcile need not wait for them (one round trip each).
  const tell = async () => {
    if (deps.detach) deps.detach(() => recordTransitions(state, status, deps));
    else await recordTransitions(state, status, deps);
  };
  if (!deps.sendStatus) {
    await patch();
    return tell();
  }
  // Sent, not answered: the status is what the next reconcile compares with meanwhile.
  deps.statuses?.sending(state.live, status);
  deps.sendStatus({ patch, tell, replaced: () => reportReaction(state, deps) });
}

/**
 * One Event per condition that changed status, and per gate that now waits for something else (a False
 * component condition whose reason changed), so `kubectl describe` tells the story of what the operator
 * waited for. Ready's reason repeats a gate's, so Ready speaks only when its status changes. Called only
 * when status changed: a reconcile with nothing new writes no Event.
 */
async function recordTransitions(
  state: ReconcileState,
  status: TrackerClusterStatus,
  deps: Deps,
): Promise<void> {
  const before = ((state.live.status ?? {}) as TrackerClusterStatus).conditions ?? [];
  for (const c of status.conditions ?? []) {
    const prev = before.find((b) => b.type === c.type);
    const statusChanged = (prev?.status ?? Status.Unknown) !== c.status;
    const gateMoved =
      c.type !== Type.Ready && c.status === Status.False && prev !== undefined && prev.reason !== c.reason;
    if ((!statusChanged && !gateMoved) || c.status === Status.Unknown) continue;
    const type =
      c.status === Status.False && warningReasons.has(c.reason as ConditionReason) ? 'Warning' : 'Normal';
    await recordEvent(state, deps, type, c.reason as ConditionReason, `${c.type}=${c.status}: ${c.message}`);
  }
}
