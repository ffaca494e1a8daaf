// One shared informer per watched kind of the registry (kube/kinds.ts) → one keyed work queue → the step
// runner. TrackerCluster events map to their own key; events of owned objects (label-selected, then matched
// by the controller ownerReference) map to the owning TrackerCluster. A periodic resync enqueues every
// TrackerCluster (level-triggered: a reconcile with nothing to do writes nothing).
import { kinds, type ManagedKind, watchedKinds } from '../../kube/kinds.ts';
import type { KubeObject } from '../../kube/object.ts';
import { isConflict, type KubeRest } from '../../kube/rest.ts';
import type { ClickHouseAccess } from '../clickhouse.ts';
import type { OperatorConfig } from '../config.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import { settledWithin } from '../reconcile/background.ts';
import { Echoes } from '../reconcile/echoes.ts';
import { RecentApplies } from '../reconcile/recent.ts';
import { runSteps, StepError } from '../reconcile/runner.ts';
import type { Cache, Deps, Step } from '../reconcile/state.ts';
import { WrittenStatuses } from '../reconcile/written-status.ts';
import { parsedSpecs } from '../steps/parse-memo.ts';
import { clusterOf, type ReplicaScans, replicaScans, scanOwner } from '../steps/replica-scan.ts';
import { type ReplicaSyncs, replicaSyncs } from '../steps/replica-sync.ts';
import { type SchemaTasks, schemaTasks } from '../steps/schema-task.ts';
import { warmUp } from '../steps/warm-up.ts';
import { EventLane } from './event-lane.ts';
import { Informer, type InformerEvent, objectKey } from './informer.ts';
import { WorkQueue } from './queue.ts';
import { ReactionClocks } from './reaction-clock.ts';
import { reactionTrace } from './reaction-trace.ts';

/** A status write someone else's write conflicted with is sent again after this long (as the runner does). */
const conflictRequeueMs = 200;

/** Events in flight at once (controller/event-lane.ts), a few of the request connections (kube/rest.ts). */
const eventSlots = 4;

/** Owned objects carry this label (cdk8s/meta.ts); their informers list and watch nothing else. */
export const managedBySelector = 'app.kubernetes.io/managed-by=tracker';

export interface ControllerOptions {
  readonly rest: KubeRest;
  readonly config: Readonly<OperatorConfig>;
  readonly log: Logger;
  readonly metrics: Metrics;
  readonly clickhouse: ClickHouseAccess;
  readonly steps: readonly Step[];
}

export class Controller {
  readonly #o: ControllerOptions;
  readonly #informers = new Map<ManagedKind, Informer>();
  readonly #queue: WorkQueue;
  readonly #tc: Informer;
  readonly #schemaTasks: SchemaTasks;
  readonly #replicaScans: ReplicaScans;
  readonly #replicaSyncs: ReplicaSyncs;
  readonly #recent = new RecentApplies();
  readonly #statuses = new WrittenStatuses();
  readonly #echoes = new Echoes(watchedKinds.map((k) => k.kind));
  /** Work reconciles handed over without waiting (reconcile/state.ts `detach`): their Events. */
  readonly #events = new EventLane(eventSlots);
  /** Per key: the status write on its way (reconcile/state.ts `sendStatus`); the next one waits for it. */
  readonly #statusWrites = new Map<string, Promise<void>>();
  /** Per key: status writes that failed in a row (their retry backs off as a failed reconcile does). */
  readonly #statusFailures = new Map<string, number>();
  /** Per key: the events no reconcile has started after yet (when the reaction clock starts). */
  readonly #clocks = new ReactionClocks(this.#echoes);
  /** Per key: how long its status write being sent waited for the one before (for the trace). */
  readonly #statusWaits = new Map<string, number>();
  readonly #trace;
  #resync: NodeJS.Timeout | undefined;

  constructor(options: ControllerOptions) {
    this.#o = options;
    this.#trace = reactionTrace(options.config.diagnostics.reactionTraceFile);
    for (const kind of watchedKinds) {
      if (kind === kinds.TrackerCluster)
        this.#informer(kind, undefined, (_e, obj) =>
          this.#onEvent(objectKey(obj.metadata.namespace, obj.metadata.name), obj),
        );
      else this.#informer(kind, managedBySelector, (_e, obj) => this.#enqueueOwner(obj));
    }
    this.#tc = this.#informers.get(kinds.TrackerCluster) as Informer;
    // A finished schema pass is an internal event for its cluster: the reaction to it is measured from the
    // completion (the pass itself is ClickHouse's time, in its own histogram). A re-verification that
    // found everything as before needs no reconcile.
    this.#schemaTasks = schemaTasks((key, result, changed) => {
      options.metrics.schemaTask.observe({ result: result.ok ? 'ok' : 'error' }, result.seconds);
      if (!result.ok) options.log.warn('Schema pass failed', { trackercluster: key, error: result.error });
      if (changed) this.#onEvent(key);
    });
    this.#replicaScans = replicaScans((owner, _result, changed) => {
      if (changed) this.#onEvent(clusterOf(owner));
    });
    // A settled sync lets the retire step delete the leaving replica, or report why it cannot.
    this.#replicaSyncs = replicaSyncs((owner, result) => {
      if (!result.ok) options.log.warn('Replica sync failed', { owner, error: result.error });
      this.#onEvent(clusterOf(owner));
    });
    const q = options.config.queue;
    this.#queue = new WorkQueue({
      workers: q.workers,
      backoffBaseMs: q.backoffBaseMs,
      backoffMaxMs: q.backoffMaxMs,
      handler: (key) => this.#reconcile(key),
      onDepth: (d) => options.metrics.queueDepth.set(d),
      onError: (key, err) => options.log.error('Reconcile failed', { key, step: stepOf(err), error: err }),
    });
  }

  get synced(): boolean {
    return [...this.#informers.values()].every((i) => i.synced);
  }

  /** The longest time any informer has gone without an event, bookmark or list. */
  get maxSilenceMs(): number {
    return Math.max(0, ...[...this.#informers.values()].map((i) => i.silentForMs));
  }

  readonly cache: Cache = {
    get: (kind, ns, name) => this.#informerOf(kind).get(ns, name),
    owned: (kind, ns, uid) =>
      uid === undefined
        ? []
        : this.#informerOf(kind)
            .owned(uid)
            .filter((o) => o.metadata.namespace === ns),
    resourceVersion: (kind) => this.#informerOf(kind).resourceVersion,
  };

  #informerOf(kind: ManagedKind): Informer {
    const informer = this.#informers.get(kind);
    if (!informer) throw new Error(`read cache of ${kind.kind}: the kind is not watched (kube/kinds.ts)`);
    return informer;
  }

  async start(): Promise<void> {
    const synced = Promise.all([...this.#informers.values()].map((i) => i.start()));
    // While the informers' lists are on their way: compile the code the first reconciles run.
    warmUp(this.#o.config, this.#o.log);
    await synced;
    this.#queue.start();
    this.enqueueAll();
    this.#resync = setInterval(() => this.enqueueAll(), this.#o.config.watch.relistIntervalMs);
    this.#o.log.info('Controller started', { informers: this.#informers.size });
  }

  async stop(): Promise<void> {
    clearInterval(this.#resync);
    const timeout = this.#o.config.queue.shutdownTimeoutMs;
    const drained =
      (await this.#queue.shutdown(timeout)) &&
      (await settledWithin([...this.#statusWrites.values()], timeout)) &&
      (await settledWithin(this.#events.pending, timeout)) &&
      (await this.#schemaTasks.drain(timeout)) &&
      (await this.#replicaScans.drain(timeout)) &&
      (await this.#replicaSyncs.drain(timeout));
    await this.#trace?.close();
    await Promise.all([...this.#informers.values()].map((i) => i.stop()));
    // After the drain: no reconcile or background task uses a ClickHouse client any more.
    await this.#o.clickhouse.close();
    this.#o.log.info('Controller stopped', { drained });
  }

  enqueue(tc: KubeObject): void {
    this.#queue.add(objectKey(tc.metadata.namespace, tc.metadata.name));
  }

  enqueueAll(): void {
    for (const tc of this.#tc.list()) this.enqueue(tc);
  }

  #informer(
    kind: ManagedKind,
    labelSelector: string | undefined,
    onEvent: (e: InformerEvent, o: KubeObject) => void,
  ): void {
    const { config, rest, metrics, log } = this.#o;
    const informer = new Informer({
      rest,
      type: kind,
      namespace: config.namespace || undefined,
      labelSelector,
      watchdogMs: config.watch.watchdogMs,
      relistIntervalMs: config.watch.relistIntervalMs,
      reconnectMaxMs: config.watch.reconnectMaxMs,
      metrics,
      log,
      onEvent,
    });
    this.#informers.set(kind, informer);
  }

  #enqueueOwner(obj: KubeObject): void {
    const owner = (obj.metadata.ownerReferences ?? []).find(
      (r) => r.controller && r.kind === kinds.TrackerCluster.kind,
    );
    if (owner) this.#onEvent(objectKey(obj.metadata.namespace, owner.name), obj);
  }

  #onEvent(key: string, obj?: KubeObject): void {
    this.#clocks.event(key, obj);
    this.#queue.add(key);
  }

  /**
   * Reports the reaction latency if this reconcile writes: from the oldest event it is the answer to that
   * is news; from the oldest echo when only the operator's own writes came back since the last reconcile.
   */
  #reaction(key: string): ((step: string) => void) | undefined {
    const at = this.#clocks.start(key);
    if (at === undefined) return undefined;
    const waited = performance.now() - at;
    this.#o.metrics.queueWait.observe(waited / 1000);
    this.#o.log.debug('Reconcile started', { trackercluster: key, waitedMs: Math.round(waited) });
    return (step) => {
      const ms = performance.now() - at;
      this.#o.metrics.reaction.observe({ step }, ms / 1000);
      this.#o.log.debug('Reacted', { trackercluster: key, step, ms: Math.round(ms) });
      const statusWaitMs = step === 'status' ? this.#statusWaits.get(key) : undefined;
      this.#trace?.record({ cluster: key, step, ms, waitedMs: waited, statusWaitMs, at: Date.now() });
    };
  }

  /**
   * Sends a status write once the cluster's previous one was answered (so they are stored in the order
   * they were computed) and returns without waiting for its answer: the cluster's next reconcile can
   * start meanwhile. A failed write is requeued, as a failed reconcile would be.
   */
  async #sendStatus(key: string, send: () => Promise<void>): Promise<void> {
    const before = this.#statusWrites.get(key);
    const waitFrom = performance.now();
    if (before) await before;
    if (this.#trace) this.#statusWaits.set(key, performance.now() - waitFrom);
    const written: Promise<void> = send()
      .then(() => void this.#statusFailures.delete(key))
      .catch((err: unknown) => this.#statusFailed(key, err))
      .finally(() => {
        if (this.#statusWrites.get(key) === written) this.#statusWrites.delete(key);
      });
    this.#statusWrites.set(key, written);
  }

  #statusFailed(key: string, err: unknown): void {
    const [ns, name] = key.split('/') as [string, string];
    this.#statuses.forget(ns, name);
    this.#o.metrics.reconcileErrors.inc({ step: 'status' });
    this.#o.log.error('Status write failed', { key, error: err });
    if (isConflict((err as Error).cause)) {
      this.#queue.addAfter(key, conflictRequeueMs);
      return;
    }
    const failures = (this.#statusFailures.get(key) ?? 0) + 1;
    this.#statusFailures.set(key, failures);
    this.#queue.addAfter(key, this.#queue.backoffMs(failures));
  }

  async #reconcile(key: string) {
    const [ns, name] = key.split('/') as [string, string];
    const onFirstWrite = this.#reaction(key);
    const live = this.#tc.get(ns, name);
    // Deleted: the garbage collector removes the children (ownerReferences); nothing outside needs cleanup.
    if (!live || live.metadata.deletionTimestamp) {
      this.#schemaTasks.forget(key);
      this.#statuses.forget(ns, name);
      parsedSpecs.forget(ns, name);
      this.#statusFailures.delete(key);
      this.#statusWaits.delete(key);
      this.#replicaScans.forget(scanOwner(key));
      for (const owner of this.#replicaSyncs.owners())
        if (clusterOf(owner) === key) this.#replicaSyncs.forget(owner);
      return undefined;
    }
    const end = this.#o.metrics.reconcileDuration.startTimer();
    const started = performance.now();
    const log = this.#o.log.child({ trackercluster: key });
    const onStepDone = (step: string, seconds: number) =>
      this.#o.metrics.stepDuration.observe({ step }, seconds);
    const deps: Deps = {
      ...this.#o,
      cache: this.cache,
      schemaTasks: this.#schemaTasks,
      replicaScans: this.#replicaScans,
      replicaSyncs: this.#replicaSyncs,
      recent: this.#recent,
      statuses: this.#statuses,
      echoes: this.#echoes,
      detach: (work) => this.#events.add(work),
      sendStatus: (send) => this.#sendStatus(key, send),
      log,
      onFirstWrite,
      onStepDone,
    };
    try {
      const outcome = await runSteps(live, this.#o.steps, deps);
      this.#o.metrics.reconciles.inc({
        result: outcome.requeueAfterMs === undefined ? 'success' : 'requeue',
      });
      log.debug('Reconciled', {
        writes: outcome.writes,
        requeueAfterMs: outcome.requeueAfterMs,
        ms: Math.round(performance.now() - started),
      });
      return outcome.requeueAfterMs === undefined ? undefined : { requeueAfterMs: outcome.requeueAfterMs };
    } catch (err) {
      this.#o.metrics.reconciles.inc({ result: 'error' });
      this.#o.metrics.reconcileErrors.inc({ step: stepOf(err) });
      throw err;
    } finally {
      end();
    }
  }
}

/** The step a reconcile failed in, as the runner reports it; `unknown` for anything else. */
const stepOf = (err: unknown): string => (err instanceof StepError ? err.step : 'unknown');
