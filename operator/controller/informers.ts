// One shared informer per watched kind of the registry (kube/kinds.ts), and what their events mean: a
// TrackerCluster's event is for its own key; an owned object's (label-selected, then matched by the
// controller ownerReference) is for the owning TrackerCluster. Their caches are what every step reads.
import { kinds, type ManagedKind, watchedKinds } from '../../kube/kinds.ts';
import type { KubeObject } from '../../kube/object.ts';
import type { KubeRest } from '../../kube/rest.ts';
import type { OperatorConfig } from '../config.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import type { Cache } from '../reconcile/state.ts';
import { Informer, objectKey } from './informer.ts';

/** Owned objects carry this label (cdk8s/meta.ts); their informers list and watch nothing else. */
export const managedBySelector = 'app.kubernetes.io/managed-by=tracker';

export interface InformersOptions {
  readonly rest: KubeRest;
  readonly config: Readonly<OperatorConfig>;
  readonly log: Logger;
  readonly metrics: Metrics;
  /** An event for the TrackerCluster `key`, carrying the object that changed. */
  readonly onEvent: (key: string, obj: KubeObject) => void;
}

export class Informers {
  readonly #all = new Map<ManagedKind, Informer>();
  /** The TrackerClusters' own informer. */
  readonly clusters: Informer;

  constructor(options: InformersOptions) {
    for (const kind of watchedKinds) {
      const own = kind === kinds.TrackerCluster;
      this.#all.set(kind, informerOf(options, kind, own ? undefined : managedBySelector, own));
    }
    this.clusters = this.#informerOf(kinds.TrackerCluster);
  }

  get size(): number {
    return this.#all.size;
  }

  get synced(): boolean {
    return [...this.#all.values()].every((i) => i.synced);
  }

  /** The longest time any informer has gone without an event, bookmark or list. */
  get maxSilenceMs(): number {
    return Math.max(0, ...[...this.#all.values()].map((i) => i.silentForMs));
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

  /** Resolves once every informer has listed its kind. */
  async start(): Promise<void> {
    await Promise.all([...this.#all.values()].map((i) => i.start()));
  }

  async stop(): Promise<void> {
    await Promise.all([...this.#all.values()].map((i) => i.stop()));
  }

  #informerOf(kind: ManagedKind): Informer {
    const informer = this.#all.get(kind);
    if (!informer) throw new Error(`read cache of ${kind.kind}: the kind is not watched (kube/kinds.ts)`);
    return informer;
  }
}

function informerOf(
  options: InformersOptions,
  kind: ManagedKind,
  labelSelector: string | undefined,
  own: boolean,
): Informer {
  const { config, rest, metrics, log, onEvent } = options;
  return new Informer({
    rest,
    type: kind,
    namespace: config.namespace || undefined,
    labelSelector,
    watchdogMs: config.watch.watchdogMs,
    relistIntervalMs: config.watch.relistIntervalMs,
    reconnectMaxMs: config.watch.reconnectMaxMs,
    metrics,
    log,
    onEvent: (_e, obj) => {
      const key = own ? objectKey(obj.metadata.namespace, obj.metadata.name) : ownerKey(obj);
      if (key !== undefined) onEvent(key, obj);
    },
  });
}

/** The key of the TrackerCluster that controls `obj`, if one does. */
function ownerKey(obj: KubeObject): string | undefined {
  const owner = (obj.metadata.ownerReferences ?? []).find(
    (r) => r.controller && r.kind === kinds.TrackerCluster.kind,
  );
  return owner && objectKey(obj.metadata.namespace, owner.name);
}
