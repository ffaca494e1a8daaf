// List + watch of one resource type into an in-memory store (the watch stream is KubeRest.watch). It
// never stops until asked: it resumes from the last resourceVersion after a closed or failed watch
// (exponential backoff), relists after 410 Gone, restarts a watch that has been silent for `watchdogMs`
// (bookmarks count as activity), and relists everything every `relistIntervalMs` (diffing, so a missed
// delete is healed).
// An optional kind (another project's CRD, e.g. cert-manager's Certificate) whose API is not served is an
// empty, synced cache: nothing of that kind can exist. The informer keeps asking with the reconnect
// backoff and fills the cache once the API appears.
import type { ManagedKind } from '../../kube/kinds.ts';
import type { KubeObject } from '../../kube/object.ts';
import { collectionPath } from '../../kube/paths.ts';
import { ApiError, isNotFound, type KubeRest, metadataOnlyAccept } from '../../kube/rest.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import { OwnerIndex } from './owner-index.ts';

export type InformerEvent = 'ADDED' | 'MODIFIED' | 'DELETED';
export type StopReason = 'closed' | 'gone' | 'watchdog' | 'relist' | 'error' | 'stopped';

export interface InformerOptions {
  readonly rest: KubeRest;
  readonly type: ManagedKind;
  /** Undefined: all namespaces. */
  readonly namespace?: string;
  readonly labelSelector?: string;
  /**
   * Keep (and hand to onEvent) each object's identity and metadata only, asked of the apiserver as such
   * (PartialObjectMetadata): a Secret's values then never reach the operator. Default: whole objects.
   */
  readonly metadataOnly?: boolean;
  readonly watchdogMs: number;
  readonly relistIntervalMs: number;
  readonly reconnectMaxMs: number;
  readonly metrics: Metrics;
  readonly log: Logger;
  readonly onEvent: (event: InformerEvent, obj: KubeObject) => void;
}

type List = { metadata?: { resourceVersion?: string; continue?: string }; items?: KubeObject[] };
type RawEvent = { type: string; object: KubeObject & { code?: number } };

export const objectKey = (namespace: string | undefined, name: string): string =>
  namespace ? `${namespace}/${name}` : name;

export class Informer {
  readonly #o: InformerOptions;
  readonly #store = new Map<string, KubeObject>();
  /** The store by controller owner: every change to the store goes through #put and #remove. */
  readonly #owners = new OwnerIndex();
  #rv: string | undefined;
  #stopped = false;
  #synced = false;
  /** Known once listed: false while an optional kind's API is not served. */
  #served: boolean | undefined;
  #lastActivity = Date.now();
  #lastList = 0;
  #failures = 0;
  #abortCurrent: (() => void) | undefined;
  #loop: Promise<void> | undefined;
  #firstSync: { promise: Promise<void>; resolve: () => void };

  constructor(options: InformerOptions) {
    this.#o = options;
    let resolve: () => void = () => undefined;
    const promise = new Promise<void>((r) => {
      resolve = r;
    });
    this.#firstSync = { promise, resolve };
  }

  get resource(): string {
    return this.#o.type.plural;
  }
  get synced(): boolean {
    return this.#synced;
  }
  /** Milliseconds since the last event, bookmark or list: the liveness probe's input. */
  get silentForMs(): number {
    return Date.now() - this.#lastActivity;
  }

  /**
   * The newest resourceVersion the cache reflects (the last list, event or bookmark); undefined while it
   * relists. A write that returned an older or equal one is in the cache (or was overwritten since).
   */
  get resourceVersion(): string | undefined {
    return this.#rv;
  }

  get(namespace: string | undefined, name: string): KubeObject | undefined {
    return this.#store.get(objectKey(namespace, name));
  }
  list(): KubeObject[] {
    return [...this.#store.values()];
  }
  /** The objects whose controller ownerReference has `uid`, without a scan of the store. */
  owned(uid: string): KubeObject[] {
    return this.#owners.owned(uid);
  }

  #put(key: string, obj: KubeObject): void {
    this.#store.set(key, obj);
    this.#owners.set(key, obj);
  }

  #remove(key: string): void {
    this.#store.delete(key);
    this.#owners.delete(key);
  }

  /** Starts the loop; resolves after the first complete list. */
  start(): Promise<void> {
    this.#loop ??= this.#run();
    return this.#firstSync.promise;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#abortCurrent?.();
    await this.#loop;
  }

  async #run(): Promise<void> {
    while (!this.#stopped) {
      try {
        if (this.#rv === undefined) await this.#relist();
        const reason = await this.#watchOnce();
        this.#afterWatch(reason);
      } catch (err) {
        if (this.#o.type.optional && isNotFound(err)) this.#notServed();
        else this.#o.log.warn('List failed', { resource: this.resource, error: err });
        this.#failures++;
      }
      if (this.#failures > 0 && !this.#stopped) await this.#sleep(this.#backoffMs());
    }
  }

  #afterWatch(reason: StopReason): void {
    if (reason === 'stopped') return;
    this.#o.metrics.watchRestarts.inc({ resource: this.resource, reason });
    if (reason === 'gone' || reason === 'relist') this.#rv = undefined;
    if (reason === 'error') this.#failures++;
    else this.#failures = 0;
    this.#o.log.debug('Watch ended', { resource: this.resource, reason });
  }

  #backoffMs(): number {
    return Math.min(this.#o.reconnectMaxMs, 100 * 2 ** Math.min(this.#failures - 1, 16));
  }

  /** Full (paginated) list, diffed against the store so consumers see only real changes and deletions. */
  async #relist(): Promise<void> {
    const seen = new Map<string, KubeObject>();
    let token: string | undefined;
    let rv: string | undefined;
    do {
      const page = await this.#o.rest.request<List>('list', collectionPath(this.#o.type, this.#o.namespace), {
        query: { labelSelector: this.#o.labelSelector, limit: '500', continue: token },
        accept: this.#o.metadataOnly ? metadataOnlyAccept.list : undefined,
      });
      for (const item of page.items ?? []) {
        // List items carry no apiVersion/kind (watch events do); consumers rely on both.
        const obj = this.#kept({ ...item, apiVersion: this.#o.type.apiVersion, kind: this.#o.type.kind });
        seen.set(objectKey(item.metadata.namespace, item.metadata.name), obj);
      }
      token = page.metadata?.continue || undefined;
      rv = page.metadata?.resourceVersion;
    } while (token);
    this.#replace(seen);
    this.#rv = rv;
    this.#lastList = Date.now();
    this.#lastActivity = Date.now();
    this.#failures = 0;
    if (this.#served === false) this.#o.log.info('API served', { resource: this.resource });
    this.#served = true;
    this.#markSynced();
  }

  /** The API of an optional kind is not served (its CRD is not installed): nothing of it can exist. */
  #notServed(): void {
    if (this.#served !== false) this.#o.log.info('API not served', { resource: this.resource });
    this.#served = false;
    this.#replace(new Map());
    this.#rv = undefined;
    this.#lastActivity = Date.now();
    this.#markSynced();
  }

  #markSynced(): void {
    if (this.#synced) return;
    this.#synced = true;
    this.#firstSync.resolve();
  }

  #replace(next: Map<string, KubeObject>): void {
    for (const [key, old] of this.#store) {
      if (!next.has(key)) {
        this.#remove(key);
        this.#o.onEvent('DELETED', old);
      }
    }
    for (const [key, obj] of next) {
      const old = this.#store.get(key);
      this.#put(key, obj);
      if (!old) this.#o.onEvent('ADDED', obj);
      else if (old.metadata.resourceVersion !== obj.metadata.resourceVersion)
        this.#o.onEvent('MODIFIED', obj);
    }
  }

  /** One watch stream from the last resourceVersion; resolves with why it ended. */
  #watchOnce(): Promise<StopReason> {
    if (this.#stopped) return Promise.resolve('stopped');
    // A new stream starts the watchdog afresh (else one silent period would restart every new watch at once).
    this.#lastActivity = Date.now();
    const abort = new AbortController();
    return new Promise<StopReason>((resolve) => {
      let settled = false;
      const finish = (reason: StopReason) => {
        if (settled) return;
        settled = true;
        clearInterval(timer);
        this.#abortCurrent = undefined;
        abort.abort();
        resolve(reason);
      };
      // The watchdog: a stream (or a connect) silent for watchdogMs is cut and started again.
      const timer = setInterval(() => this.#checkTimers(finish), Math.min(1000, this.#o.watchdogMs / 4));
      this.#abortCurrent = () => finish('stopped');
      this.#o.rest
        .watch<KubeObject & { code?: number }>(
          collectionPath(this.#o.type, this.#o.namespace),
          this.#watchQuery(),
          (event) => this.#onWatchEvent(event, finish),
          abort.signal,
          this.#o.metadataOnly ? metadataOnlyAccept.watch : undefined,
        )
        .then(
          () => finish('closed'),
          (err: unknown) => finish(classify(err)),
        );
    });
  }

  #watchQuery(): Record<string, string | undefined> {
    return {
      resourceVersion: this.#rv,
      allowWatchBookmarks: 'true',
      labelSelector: this.#o.labelSelector,
      // The apiserver ends the stream normally after this long (randomised like client-go's 5-10 min).
      timeoutSeconds: String(Math.floor(300 + Math.random() * 300)),
    };
  }

  #checkTimers(finish: (r: StopReason) => void): void {
    if (this.silentForMs > this.#o.watchdogMs) finish('watchdog');
    else if (Date.now() - this.#lastList > this.#o.relistIntervalMs) finish('relist');
  }

  #onWatchEvent(event: RawEvent, finish: (r: StopReason) => void): void {
    this.#lastActivity = Date.now();
    if (event.type === 'ERROR') {
      finish(event.object.code === 410 ? 'gone' : 'error');
      return;
    }
    const rv = event.object.metadata?.resourceVersion;
    if (rv) this.#rv = rv;
    if (event.type === 'BOOKMARK') return;
    const obj = this.#kept(event.object);
    const key = objectKey(obj.metadata.namespace, obj.metadata.name);
    if (event.type === 'DELETED') this.#remove(key);
    else this.#put(key, obj);
    this.#o.onEvent(event.type as InformerEvent, obj);
  }

  /**
   * What the store keeps of `obj`. Metadata only: its identity and version, under the informer's own kind
   * (a PartialObjectMetadata carries meta.k8s.io's), whatever the apiserver sent.
   */
  #kept(obj: KubeObject): KubeObject {
    if (!this.#o.metadataOnly) return obj;
    const { name, namespace, uid, resourceVersion } = obj.metadata;
    return {
      apiVersion: this.#o.type.apiVersion,
      kind: this.#o.type.kind,
      metadata: { name, namespace, uid, resourceVersion },
    };
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      this.#abortCurrent = () => {
        clearTimeout(t);
        resolve();
      };
    });
  }
}

/** Why a watch stream failed: 410 Gone (resourceVersion too old) means relist; anything else is retried. */
function classify(err: unknown): StopReason {
  if (err instanceof ApiError && err.status === 410) return 'gone';
  return 'error';
}
