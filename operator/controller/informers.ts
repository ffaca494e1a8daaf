// One shared informer per watched kind of the registry (kube/kinds.ts), and what their events mean: a
// TrackerCluster's event is for its own key; an owned object's (label-selected, then matched by the
// controller ownerReference) is for the owning TrackerCluster. Their caches are what every step reads.
// One more informer watches the Secrets the operator did not make (no managed-by label): a password, TLS
// or destination Secret a spec names. It asks for and keeps their metadata only (every Secret of the
// watched namespaces passes through it, so never a value), and an event is for the clusters that name
// that Secret, found by the SecretIndex the TrackerCluster events keep. A rotated password then rolls the
// pods at once, and a cluster waiting for a Secret it names goes on as soon as the Secret is created, not
// at the next resync.
import { kinds, type ManagedKind, watchedKinds } from '../../kube/kinds.ts';
import type { KubeObject } from '../../kube/object.ts';
import type { KubeRest } from '../../kube/rest.ts';
import type { OperatorConfig } from '../config.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import type { Cache } from '../reconcile/state.ts';
import { Informer, objectKey } from './informer.ts';
import { SecretIndex } from './secret-index.ts';

/** Owned objects carry this label (cdk8s/meta.ts); their informers list and watch nothing else. */
export const managedBySelector = 'app.kubernetes.io/managed-by=tracker';
/** The Secrets the operator did not make: those its spec-named Secret informer sees. */
export const notManagedBySelector = 'app.kubernetes.io/managed-by!=tracker';

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
  /** Which clusters name which Secret, from the TrackerCluster events. */
  readonly secretIndex = new SecretIndex();
  /** The Secrets the operator did not make, metadata only: not a cache steps read (see the file's comment). */
  readonly #specSecrets: Informer;

  constructor(options: InformersOptions) {
    for (const kind of watchedKinds) {
      const own = kind === kinds.TrackerCluster;
      this.#all.set(
        kind,
        informerOf(options, kind, own ? undefined : managedBySelector, own, this.secretIndex),
      );
    }
    this.clusters = this.#informerOf(kinds.TrackerCluster);
    this.#specSecrets = specSecretsInformer(options, this.secretIndex);
  }

  get size(): number {
    return this.#everyInformer().length;
  }

  get synced(): boolean {
    return this.#everyInformer().every((i) => i.synced);
  }

  /** The longest time any informer has gone without an event, bookmark or list. */
  get maxSilenceMs(): number {
    return Math.max(0, ...this.#everyInformer().map((i) => i.silentForMs));
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
    await Promise.all(this.#everyInformer().map((i) => i.start()));
  }

  async stop(): Promise<void> {
    await Promise.all(this.#everyInformer().map((i) => i.stop()));
  }

  #everyInformer(): Informer[] {
    return [...this.#all.values(), this.#specSecrets];
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
  index: SecretIndex,
): Informer {
  const { onEvent } = options;
  return new Informer({
    ...watchOptions(options, kind),
    labelSelector,
    onEvent: (event, obj) => {
      if (own && event === 'DELETED') index.delete(objectKey(obj.metadata.namespace, obj.metadata.name));
      else if (own) index.set(obj);
      const key = own ? objectKey(obj.metadata.namespace, obj.metadata.name) : ownerKey(obj);
      if (key !== undefined) onEvent(key, obj);
    },
  });
}

/** Secrets without the operator's label, their values dropped; an event is for every cluster naming one. */
function specSecretsInformer(options: InformersOptions, index: SecretIndex): Informer {
  return new Informer({
    ...watchOptions(options, kinds.Secret),
    labelSelector: notManagedBySelector,
    metadataOnly: true,
    onEvent: (_e, obj) => {
      for (const key of index.clusters(obj.metadata.namespace, obj.metadata.name)) options.onEvent(key, obj);
    },
  });
}

/** What every informer shares: where it watches (only `namespace`, when set) and its timings. */
function watchOptions(options: InformersOptions, kind: ManagedKind) {
  const { config, rest, metrics, log } = options;
  return {
    rest,
    type: kind,
    namespace: config.namespace || undefined,
    watchdogMs: config.watch.watchdogMs,
    relistIntervalMs: config.watch.relistIntervalMs,
    reconnectMaxMs: config.watch.reconnectMaxMs,
    metrics,
    log,
  };
}

/** The key of the TrackerCluster that controls `obj`, if one does. */
function ownerKey(obj: KubeObject): string | undefined {
  const owner = (obj.metadata.ownerReferences ?? []).find(
    (r) => r.controller && r.kind === kinds.TrackerCluster.kind,
  );
  return owner && objectKey(obj.metadata.namespace, owner.name);
}
