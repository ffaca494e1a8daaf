// One shared informer per kind → one keyed work queue → the step runner. TrackerCluster events map to their
// own key; events of owned objects (label-selected, then matched by the controller ownerReference) map to
// the owning TrackerCluster. A periodic resync enqueues every TrackerCluster (level-triggered: a reconcile
// with nothing to do writes nothing).
import type { KubeConfig } from '@kubernetes/client-node';
import { kind as tcKind } from '../../crds/trackercluster.ts';
import { resourceType, typeKey } from '../../kube/kinds.ts';
import type { KubeObject } from '../../kube/object.ts';
import type { KubeRest } from '../../kube/rest.ts';
import type { ClickHouseAccess } from '../clickhouse.ts';
import type { OperatorConfig } from '../config.ts';
import type { EventRecorder } from '../events.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import { runSteps } from '../reconcile/runner.ts';
import type { Cache, Deps, Step } from '../reconcile/state.ts';
import { Informer, type InformerEvent, objectKey } from './informer.ts';
import { WorkQueue } from './queue.ts';

/** Kinds the operator renders (and so watches); Secrets for the generated credentials. */
export const ownedKinds: readonly [string, string][] = [
  ['v1', 'ConfigMap'],
  ['v1', 'Secret'],
  ['v1', 'Service'],
  ['apps/v1', 'StatefulSet'],
  ['apps/v1', 'Deployment'],
  ['policy/v1', 'PodDisruptionBudget'],
  ['networking.k8s.io/v1', 'NetworkPolicy'],
  ['autoscaling/v2', 'HorizontalPodAutoscaler'],
];
export const managedBySelector = 'app.kubernetes.io/managed-by=tracker';

export interface ControllerOptions {
  readonly kc: KubeConfig;
  readonly rest: KubeRest;
  readonly config: Readonly<OperatorConfig>;
  readonly log: Logger;
  readonly metrics: Metrics;
  readonly events: EventRecorder;
  readonly clickhouse: ClickHouseAccess;
  readonly steps: readonly Step[];
}

export class Controller {
  readonly #o: ControllerOptions;
  readonly #informers = new Map<string, Informer>();
  readonly #queue: WorkQueue;
  readonly #tc: Informer;
  #resync: NodeJS.Timeout | undefined;

  constructor(options: ControllerOptions) {
    this.#o = options;
    const tcType = resourceType('tracker.dev/v1alpha1', tcKind);
    this.#tc = this.#informer(tcType.apiVersion, tcType.kind, undefined, (_e, obj) => this.enqueue(obj));
    for (const [v, k] of ownedKinds)
      this.#informer(v, k, managedBySelector, (_e, obj) => this.#enqueueOwner(obj));
    const q = options.config.queue;
    this.#queue = new WorkQueue({
      workers: q.workers,
      backoffBaseMs: q.backoffBaseMs,
      backoffMaxMs: q.backoffMaxMs,
      handler: (key) => this.#reconcile(key),
      onDepth: (d) => options.metrics.queueDepth.set(d),
      onError: (key, err) => options.log.error('Reconcile failed', { key, error: err }),
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
    get: (v, k, ns, name) => this.#informers.get(typeKey(v, k))?.get(ns, name),
    list: (v, k, ns) =>
      this.#informers
        .get(typeKey(v, k))
        ?.list()
        .filter((o) => o.metadata.namespace === ns),
  };

  async start(): Promise<void> {
    await Promise.all([...this.#informers.values()].map((i) => i.start()));
    this.#queue.start();
    this.enqueueAll();
    this.#resync = setInterval(() => this.enqueueAll(), this.#o.config.watch.relistIntervalMs);
    this.#o.log.info('Controller started', { informers: this.#informers.size });
  }

  async stop(): Promise<void> {
    clearInterval(this.#resync);
    const drained = await this.#queue.shutdown(this.#o.config.queue.shutdownTimeoutMs);
    await Promise.all([...this.#informers.values()].map((i) => i.stop()));
    // After the drain: no reconcile uses a ClickHouse client any more.
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
    apiVersion: string,
    kind: string,
    labelSelector: string | undefined,
    onEvent: (e: InformerEvent, o: KubeObject) => void,
  ) {
    const { config, kc, rest, metrics, log } = this.#o;
    const informer = new Informer({
      kc,
      rest,
      type: resourceType(apiVersion, kind),
      namespace: config.namespace || undefined,
      labelSelector,
      watchdogMs: config.watch.watchdogMs,
      relistIntervalMs: config.watch.relistIntervalMs,
      reconnectMaxMs: config.watch.reconnectMaxMs,
      metrics,
      log,
      onEvent,
    });
    this.#informers.set(typeKey(apiVersion, kind), informer);
    return informer;
  }

  #enqueueOwner(obj: KubeObject): void {
    const owner = (obj.metadata.ownerReferences ?? []).find((r) => r.controller && r.kind === tcKind);
    if (owner) this.#queue.add(objectKey(obj.metadata.namespace, owner.name));
  }

  async #reconcile(key: string) {
    const [ns, name] = key.split('/') as [string, string];
    const live = this.#tc.get(ns, name);
    // Deleted: the garbage collector removes the children (ownerReferences); nothing outside needs cleanup.
    if (!live || live.metadata.deletionTimestamp) return undefined;
    const end = this.#o.metrics.reconcileDuration.startTimer();
    const log = this.#o.log.child({ trackercluster: key });
    const deps: Deps = { ...this.#o, cache: this.cache, log };
    try {
      const outcome = await runSteps(live, this.#o.steps, deps);
      this.#o.metrics.reconciles.inc({
        result: outcome.requeueAfterMs === undefined ? 'success' : 'requeue',
      });
      log.debug('Reconciled', { writes: outcome.writes, requeueAfterMs: outcome.requeueAfterMs });
      return outcome.requeueAfterMs === undefined ? undefined : { requeueAfterMs: outcome.requeueAfterMs };
    } catch (err) {
      this.#o.metrics.reconciles.inc({ result: 'error' });
      this.#o.metrics.reconcileErrors.inc({
        step: /: ([a-zA-Z]+): /.exec((err as Error).message)?.[1] ?? 'unknown',
      });
      throw err;
    } finally {
      end();
    }
  }
}
