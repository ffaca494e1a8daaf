// THE write path of a reconcile: every request that changes the cluster (server-side apply, create, status,
// patch, delete, Events) goes through `send`, which counts it (the zero-write guarantee reads the count),
// logs it with the step that made it as a structured field, and names the verb and object in its error. A
// failed write also records a Warning Event on the TrackerCluster before the reconcile fails (once per
// failure: its retries are only logged until the write succeeds or fails otherwise); a failed Event is only
// logged (it is not worth failing a reconcile for, and must not recurse).
import { type ConditionReason, EventReason } from '../../crds/conditions.ts';
import { kinds } from '../../kube/kinds.ts';
import type { KubeObject } from '../../kube/object.ts';
import { collectionPath } from '../../kube/paths.ts';
import { isConflict, type Verb } from '../../kube/rest.ts';
import { type EventType, eventBody } from '../events.ts';
import type { Deps, ReconcileState } from './state.ts';

export interface WriteRequest {
  readonly verb: Extract<Verb, 'create' | 'apply' | 'patch' | 'delete'>;
  readonly path: string;
  /** What is written, as logs, errors and Events name it: `Deployment demo-ingest`. */
  readonly target: string;
  readonly body?: unknown;
  readonly query?: Record<string, string>;
  /** An answer that means "nothing to do" rather than failure (a Secret that exists, an object already gone). */
  readonly accept?: (err: unknown) => boolean;
  /** Called with the apiserver's answer to a write that happened (the object as stored, for an apply). */
  readonly onWritten?: (answer: unknown) => void;
}

/** True when the write happened; false when the apiserver's answer was accepted as "nothing to do". */
type Sent = { ok: true } | { ok: false; accepted: boolean; error: unknown };

/**
 * Reports the reconcile's reaction if nothing it wrote has been sent yet: its first write is on its way
 * (or, for a status a newer one replaced, the write that carries its news).
 */
export function reportReaction(state: ReconcileState, deps: Deps): void {
  if (state.writes === 0) deps.onFirstWrite?.(state.step);
}

async function send(state: ReconcileState, deps: Deps, req: WriteRequest): Promise<Sent> {
  reportReaction(state, deps);
  state.writes++;
  const fields = { step: state.step, verb: req.verb, target: req.target };
  const started = performance.now();
  try {
    const answer = await deps.rest.request(req.verb, req.path, { query: req.query, body: req.body });
    deps.log.debug('Wrote', { ...fields, ms: Math.round(performance.now() - started) });
    deps.echoes?.written(answer as KubeObject);
    req.onWritten?.(answer);
    return { ok: true };
  } catch (error) {
    const accepted = req.accept?.(error) ?? false;
    deps.log[accepted ? 'debug' : 'warn'](accepted ? 'Write not needed' : 'Write failed', {
      ...fields,
      error,
    });
    return { ok: false, accepted, error };
  }
}

/**
 * Sends one write. Resolves true when written, false when the answer was accepted; otherwise records a
 * Warning Event (not for a conflict: that is retried shortly, not a fault) and throws "verb target: cause".
 */
export async function write(state: ReconcileState, deps: Deps, req: WriteRequest): Promise<boolean> {
  const sent = await send(state, deps, req);
  if (sent.ok) {
    deps.toldFailures?.delete(req.target);
    return true;
  }
  if (sent.accepted) return false;
  const message = `${req.verb} ${req.target}: ${(sent.error as Error).message}`;
  // A write the apiserver refuses is refused again on every retry: one Warning per failure, not per retry.
  if (!isConflict(sent.error) && deps.toldFailures?.get(req.target) !== message) {
    deps.toldFailures?.set(req.target, message);
    await recordEvent(state, deps, 'Warning', EventReason.WriteFailed, message);
  }
  throw new Error(message, { cause: sent.error });
}

/** An Event on the TrackerCluster, sent like every other write; a failure is logged, never thrown. */
export async function recordEvent(
  state: ReconcileState,
  deps: Deps,
  type: EventType,
  reason: ConditionReason | EventReason,
  message: string,
): Promise<void> {
  const body: KubeObject = eventBody(state.live, type, reason, message);
  const path = collectionPath(kinds.Event, body.metadata.namespace);
  await send(state, deps, { verb: 'create', path, target: `Event ${reason}`, body });
}

/**
 * An informational Event the reconcile need not wait for (one round trip each): handed over to `detach`
 * when the controller provides it, so the cluster's next reconcile does not queue behind it.
 */
export async function tell(
  state: ReconcileState,
  deps: Deps,
  type: EventType,
  reason: ConditionReason | EventReason,
  message: string,
): Promise<void> {
  if (!deps.detach) return recordEvent(state, deps, type, reason, message);
  // Sent later: a copy of the state keeps the step that told it, not the one running by then.
  const told = { ...state };
  deps.detach(() => recordEvent(told, deps, type, reason, message));
}
