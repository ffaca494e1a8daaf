// The shared informers (controller/informers.ts) → one keyed work queue → the step runner, and what a
// reconcile hands over without waiting: its status write (controller/status-lane.ts), its Events
// (controller/event-lane.ts) and the background work (controller/background-work.ts). A periodic resync
// enqueues every TrackerCluster (level-triggered: a reconcile with nothing to do writes nothing).
import { watchedKinds } from '../../kube/kinds.ts';
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
import { warmUp } from '../steps/warm-up.ts';
import { type BackgroundWork, backgroundWork, drainWork, forgetWork } from './background-work.ts';
import { EventLane } from './event-lane.ts';
import { objectKey } from './informer.ts';
import { Informers } from './informers.ts';
import { type ReconcileResult, WorkQueue } from './queue.ts';
import { Reactions, type StepTimes } from './reactions.ts';
import { StatusLanes } from './status-lane.ts';

/** A status write someone else's write conflicted with is sent again after this long (as the runner does). */
const conflictRequeueMs = 200;

/** Events in flight at once (controller/event-lane.ts), a few of the request connections (kube/rest.ts). */
const eventSlots = 4;

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
  readonly #informers: Informers;
  readonly #queue: WorkQueue;
  readonly #work: BackgroundWork;
  readonly #recent = new RecentApplies();
  readonly #statuses = new WrittenStatuses();
  readonly #echoes = new Echoes(watchedKinds.map((k) => k.kind));
  /** Work reconciles handed over without waiting (reconcile/state.ts `detach`): their Events. */
  readonly #events = new EventLane(eventSlots);
  readonly #statusLanes: StatusLanes;
  /** Per key: status writes that failed in a row (their retry backs off as a failed reconcile does). */
  readonly #statusFailures = new Map<string, number>();
  readonly #toldFailures = new Map<string, Map<string, string>>();
  readonly #reactions: Reactions;
  #resync: NodeJS.Timeout | undefined;

  constructor(options: ControllerOptions) {
    this.#o = options;
    const { config, metrics, log } = options;
    zeroAlertSeries(metrics, options.steps);
    this.#reactions = new Reactions({
      echoes: this.#echoes,
      metrics,
      log,
      traceFile: config.diagnostics.reactionTraceFile,
    });
    this.#informers = new Informers({ ...options, onEvent: (key, obj) => this.#onEvent(key, obj) });
    this.#work = backgroundWork(metrics, log, (key) => this.#onEvent(key));
    this.#statusLanes = new StatusLanes({
      onSend: (key, ms, replaced) => this.#reactions.statusSent(key, ms, replaced),
      onWritten: (key) => void this.#statusFailures.delete(key),
      onFailed: (key, err) => this.#statusFailed(key, err),
    });
    this.#queue = new WorkQueue({
      workers: config.queue.workers,
      backoffBaseMs: config.queue.backoffBaseMs,
      backoffMaxMs: config.queue.backoffMaxMs,
      handler: (key) => this.#reconcile(key),
      onDepth: (d) => metrics.queueDepth.set(d),
      onError: (key, err) => log.error('Reconcile failed', { key, step: stepOf(err), error: err }),
    });
  }

  get synced(): boolean {
    return this.#informers.synced;
  }

  /** The longest time any informer has gone without an event, bookmark or list. */
  get maxSilenceMs(): number {
    return this.#informers.maxSilenceMs;
  }

  get cache(): Cache {
    return this.#informers.cache;
  }

  async start(): Promise<void> {
    const synced = this.#informers.start();
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
      (await this.#statusLanes.drain(timeout)) &&
      (await settledWithin(this.#events.pending, timeout)) &&
      (await drainWork(this.#work, timeout));
    await this.#reactions.close();
    await this.#informers.stop();
    // After the drain: no reconcile or background task uses a ClickHouse client any more.
    await this.#o.clickhouse.close();
    this.#o.log.info('Controller stopped', { drained });
  }

  enqueue(tc: KubeObject): void {
    this.#queue.add(objectKey(tc.metadata.namespace, tc.metadata.name));
  }

  enqueueAll(): void {
    for (const tc of this.#informers.clusters.list()) this.enqueue(tc);
  }

  #onEvent(key: string, obj?: KubeObject): void {
    this.#reactions.event(key, obj);
    this.#queue.add(key);
  }

  /** A failed status write is forgotten and its cluster requeued, as a failed reconcile would be. */
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

  /** Deleted: the garbage collector removes the children (ownerReferences); nothing outside needs cleanup. */
  #forget(key: string, ns: string, name: string): void {
    forgetWork(this.#work, key);
    this.#statuses.forget(ns, name);
    parsedSpecs.forget(ns, name);
    this.#statusFailures.delete(key);
    this.#reactions.forget(key);
    this.#toldFailures.delete(key);
  }

  /** The failed writes of cluster `key` told by a Warning Event so far (reconcile/write.ts). */
  #toldFailuresOf(key: string): Map<string, string> {
    const told = this.#toldFailures.get(key) ?? new Map<string, string>();
    this.#toldFailures.set(key, told);
    return told;
  }

  #deps(key: string, log: Logger): Deps {
    const steps: StepTimes | undefined = this.#reactions.tracing ? [] : undefined;
    return {
      ...this.#o,
      ...this.#work,
      cache: this.cache,
      recent: this.#recent,
      toldFailures: this.#toldFailuresOf(key),
      statuses: this.#statuses,
      echoes: this.#echoes,
      detach: (work) => this.#events.add(work),
      sendStatus: (write) => this.#statusLanes.send(key, write),
      log,
      onFirstWrite: this.#reactions.begin(key, steps),
      onStepDone: (step, seconds) => {
        this.#o.metrics.stepDuration.observe({ step }, seconds);
        steps?.push([step, seconds * 1000]);
      },
    };
  }

  async #reconcile(key: string): Promise<ReconcileResult> {
    const [ns, name] = key.split('/') as [string, string];
    const deps = this.#deps(key, this.#o.log.child({ trackercluster: key }));
    const live = this.#informers.clusters.get(ns, name);
    if (!live || live.metadata.deletionTimestamp) {
      this.#forget(key, ns, name);
      return undefined;
    }
    const { metrics } = this.#o;
    const end = metrics.reconcileDuration.startTimer();
    const started = performance.now();
    try {
      const outcome = await runSteps(live, this.#o.steps, deps);
      const requeueAfterMs = outcome.requeueAfterMs;
      metrics.reconciles.inc({ result: requeueAfterMs === undefined ? 'success' : 'requeue' });
      const ms = Math.round(performance.now() - started);
      deps.log.debug('Reconciled', { writes: outcome.writes, requeueAfterMs, ms });
      return requeueAfterMs === undefined ? undefined : { requeueAfterMs };
    } catch (err) {
      metrics.reconciles.inc({ result: 'error' });
      metrics.reconcileErrors.inc({ step: stepOf(err) });
      throw err;
    } finally {
      end();
    }
  }
}

/** The step a reconcile failed in, as the runner reports it; `unknown` for anything else. */
const stepOf = (err: unknown): string => (err instanceof StepError ? err.step : 'unknown');

/**
 * The series the alerts take the increase() of, at 0 from the start: Prometheus counts an increase from a
 * series' first sample, so a step's first failure since the start would appear at 1 and increase by nothing.
 */
function zeroAlertSeries(metrics: Metrics, steps: readonly Step[]): void {
  for (const step of [...steps.map((s) => s.name), 'status', 'unknown'])
    metrics.reconcileErrors.inc({ step }, 0);
  metrics.schemaTask.zero({ result: 'error' });
  metrics.schemaTask.zero({ result: 'retention_failed' });
}
