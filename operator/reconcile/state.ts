// What one reconcile knows and produces. A fresh ReconcileState per reconcile (nothing carried over in
// memory: the cluster is the source of truth); steps read the TrackerCluster and the informer caches,
// write through the one write path (write.ts), and record conditions and status fields here. The runner
// writes status ONCE from this state at the end.
import type { Rendered } from '../../cdk8s/index.ts';
import type { ConditionReason, ConditionStatus, ConditionType } from '../../crds/conditions.ts';
import type { TrackerClusterStatus } from '../../crds/status.ts';
import type { TrackerCluster } from '../../crds/trackercluster.ts';
import type { ManagedKind } from '../../kube/kinds.ts';
import type { KubeObject } from '../../kube/object.ts';
import type { KubeRest } from '../../kube/rest.ts';
import type { ClickHouseAccess } from '../clickhouse.ts';
import type { OperatorConfig } from '../config.ts';
import type { SchemaReport } from '../ensure-schema.ts';
import type { Logger } from '../log.ts';
import type { ReplicatedTable } from '../replication.ts';
import type { BackgroundTasks } from './background.ts';
import type { Echoes } from './echoes.ts';
import type { RecentApplies } from './recent.ts';
import type { WrittenStatuses } from './written-status.ts';

/** Read access to the informer caches: every kind the registry marks watched (kube/kinds.ts). */
export interface Cache {
  get(kind: ManagedKind, namespace: string, name: string): KubeObject | undefined;
  /**
   * Objects of a kind in a namespace whose controller ownerReference has `uid` (none for no uid), from an
   * index: what one TrackerCluster owns, without a scan of every cluster's objects. Throws for a kind
   * that is not watched (a programming error).
   */
  owned(kind: ManagedKind, namespace: string, uid: string | undefined): KubeObject[];
  /** The newest resourceVersion the kind's cache reflects (undefined while it relists). */
  resourceVersion(kind: ManagedKind): string | undefined;
}

export interface Deps {
  readonly rest: KubeRest;
  readonly cache: Cache;
  readonly config: Readonly<OperatorConfig>;
  readonly log: Logger;
  readonly clickhouse: ClickHouseAccess;
  /** The schema passes running or done in the background, per TrackerCluster (steps/schema.ts). */
  readonly schemaTasks: BackgroundTasks<SchemaReport>;
  /** What Keeper knows of each cluster's replicas, read in the background (steps/replica-scan.ts). */
  readonly replicaScans: BackgroundTasks<ReadonlyMap<number, readonly ReplicatedTable[]>>;
  /** The survivors' syncs before leaving replicas are deleted, per cluster and shard (steps/replica-sync.ts). */
  readonly replicaSyncs: BackgroundTasks<{ readonly tables: number }>;
  /** Applies the caches have not seen yet (reconcile/recent.ts). */
  readonly recent: RecentApplies;
  /**
   * This cluster's failed writes already told by a Warning Event (target → message): the same failure on
   * every retry of the backoff is logged, not told again (write.ts).
   */
  readonly toldFailures?: Map<string, string>;
  /** Every answered write, so its watch event is known as the operator's own (reconcile/echoes.ts). */
  readonly echoes?: Echoes;
  /** Status writes the TrackerCluster cache has not seen yet (reconcile/written-status.ts). */
  readonly statuses?: WrittenStatuses;
  /**
   * Hands over work the reconcile does not wait for (the Events after its status write, sent in order):
   * the controller starts it when one of its few Event slots is free (controller/event-lane.ts) and
   * waits for it before it stops. Without it, the reconcile does the work and waits.
   */
  readonly detach?: (work: () => Promise<unknown>) => void;
  /**
   * Called once, before the first write of the reconcile is sent, with the step that makes it (the
   * reaction-latency metric).
   */
  readonly onFirstWrite?: (step: string) => void;
  /**
   * Takes over the reconcile's status write: the controller sends it once the cluster's previous status
   * write was answered, or replaces it with a newer status of the cluster computed meanwhile
   * (controller/status-lane.ts), and handles its failure (requeue). The reconcile does not wait for
   * either. Without it, the runner sends and waits.
   */
  readonly sendStatus?: (write: StatusWrite) => void;
  /** Called after each step with its duration in seconds (the step-duration metric). */
  readonly onStepDone?: (step: string, seconds: number) => void;
}

/** A reconcile's status write, as the runner hands it to the controller's `sendStatus`. */
export interface StatusWrite {
  /** Sends the patch (the reconcile's reaction is reported as it is sent, if it is its first write). */
  readonly patch: () => Promise<void>;
  /** Records the Events of the conditions this status changed; called once it, or a newer one, is stored. */
  readonly tell: () => Promise<void>;
  /** A newer status replaced this one before it was sent: reports its reaction now, as that one is sent. */
  readonly replaced: () => void;
}

export type ConditionValue = { status: ConditionStatus; reason: ConditionReason; message: string };

export interface ReconcileState {
  /** The TrackerCluster as stored (status included), for comparison when writing status. */
  readonly live: KubeObject;
  /** Set by the `parse` step: the defaulted, validated TrackerCluster (uid and generation kept). */
  tc?: TrackerCluster;
  /** Set by `render`: everything the cluster should consist of, with hashes. */
  rendered?: Rendered;
  /**
   * Set by `render`: the data of the Secrets whose values the pods read at start (steps/secret-checksums.ts),
   * read once per reconcile; the password lookups of later steps use it instead of reading again.
   */
  secrets?: ReadonlyMap<string, Readonly<Record<string, string>> | undefined>;
  /** Set by `render`: the shard count actually rendered (the live one when a decrease was refused). */
  renderedShards?: number;
  /** Set by `render` when spec.clickhouse.shards went below the live count without allowDataLoss. */
  shardDecreaseRefused?: { from: number; to: number } | undefined;
  /** Set by `keeper`: the Keeper StatefulSet runs what was last applied on every member (ClickHouse waits). */
  keeperRolledOut?: boolean;
  /** Set by `clickhouse`: some replica still waits for (or is in) its restart. */
  rolloutPending?: boolean;
  /** Set by `clickhouse`: why a replica is held back (the ClickHouseReady gate reports it). */
  clickhouseHeld?: { reason: ConditionReason; message: string };
  /** Set by `clickhouse` during a rollout: what the next restarts wait for (replica: why). */
  rolloutWaiting?: string[];
  readonly conditions: Map<ConditionType, ConditionValue>;
  readonly status: Partial<TrackerClusterStatus>;
  /** The smallest requeue delay any step asked for. */
  requeueAfterMs?: number;
  /** Set by `paused` once the Paused condition is stored: the runner then writes no status either. */
  skipStatus?: boolean;
  /** The step running now: the write path logs it with every write. */
  step: string;
  /** Write requests this reconcile made (apply, create, patch, delete, Events), counted by write.ts. */
  writes: number;
}

export type StepOutcome = 'continue' | 'stop';
export interface Step {
  readonly name: string;
  /**
   * The component condition this step decides: when the step fails, that condition says so (ApplyFailed
   * and the error) instead of the initial "Waiting for …" of a gate the cluster has passed.
   */
  readonly condition?: ConditionType;
  /**
   * A step with nothing to wait for returns its outcome itself, not a promise: the runner then goes on to
   * the next step without yielding to the other reconciles in flight (runner.ts).
   */
  run(state: ReconcileState, deps: Deps): StepOutcome | Promise<StepOutcome>;
}

export function requeue(state: ReconcileState, ms: number): void {
  state.requeueAfterMs = Math.min(state.requeueAfterMs ?? ms, ms);
}

export function setCondition(
  state: ReconcileState,
  type: ConditionType,
  status: ConditionStatus,
  reason: ConditionReason,
  message: string,
): void {
  state.conditions.set(type, { status, reason, message });
}

/** The parsed TrackerCluster; steps after `parse` may rely on it. */
export function tcOf(state: ReconcileState): TrackerCluster {
  if (!state.tc) throw new Error('reconcile: step order broken, the TrackerCluster was not parsed');
  return state.tc;
}

export function renderedOf(state: ReconcileState): Rendered {
  if (!state.rendered) throw new Error('reconcile: step order broken, nothing was rendered');
  return state.rendered;
}
