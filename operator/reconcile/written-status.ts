// Status writes the TrackerCluster cache has not caught up with yet. The operator's own status write comes
// back as a watch event some milliseconds later; a reconcile in between (an event of one of the cluster's
// objects arrived meanwhile: usually the echo of the same reconcile's applies) would compare its status
// with the older one in the cache, find every condition new, and write the same status again with fresh
// transition times and the same Events a second time: a redundant write, duplicate Events, and a reaction
// counted for nothing. So the status the apiserver answered is remembered with its resourceVersion, and
// while the cached TrackerCluster is older than that write, a reconcile sees the remembered status as
// the stored one. Once the cache has reached or passed the write the entry goes and the cache decides
// again: anything written after the operator's write (a spec edit, another writer) arrives with a newer
// resourceVersion and wins. resourceVersions are compared as numbers (etcd revisions), as recent.ts does;
// one that is not a number is never remembered.
import type { KubeObject } from '../../kube/object.ts';

/** A status on its way (no version yet) or answered (the version the apiserver stored it at). */
type Entry = { readonly status: unknown; readonly version?: bigint; readonly at: number };

/** A remembered status is dropped after this long even if the cache never caught up (a relist, a gap). */
const maxAgeMs = 60_000;

const asVersion = (rv: string | undefined): bigint | undefined =>
  rv !== undefined && /^\d+$/.test(rv) ? BigInt(rv) : undefined;

const keyOf = (obj: KubeObject): string => `${obj.metadata.namespace ?? ''}/${obj.metadata.name}`;

export class WrittenStatuses {
  readonly #entries = new Map<string, Entry>();

  get size(): number {
    return this.#entries.size;
  }

  /**
   * A status write was sent and not answered yet: until it is, it is what the next reconcile compares
   * with (the writes of one cluster are sent one after another, so it will be stored unless it fails).
   */
  sending(live: KubeObject, status: unknown): void {
    this.#entries.set(keyOf(live), { status, at: performance.now() });
  }

  /**
   * Remembers the TrackerCluster the apiserver answered the write of `sent` with (its status and version);
   * ignored when a newer status of the cluster is already on its way.
   */
  remember(answer: KubeObject | undefined, sent?: unknown): void {
    if (!answer?.metadata?.name) return;
    const key = keyOf(answer);
    const entry = this.#entries.get(key);
    if (sent !== undefined && entry && entry.version === undefined && entry.status !== sent) return;
    const version = asVersion(answer.metadata.resourceVersion);
    if (version === undefined) this.#entries.delete(key);
    else this.#entries.set(key, { status: sent ?? answer.status, version, at: performance.now() });
  }

  /** The cached TrackerCluster, with the status the operator last wrote while the cache is older than it. */
  overlay(cached: KubeObject): KubeObject {
    const key = keyOf(cached);
    const entry = this.#entries.get(key);
    if (!entry) return cached;
    if (entry.version === undefined) return { ...cached, status: entry.status };
    const version = asVersion(cached.metadata.resourceVersion);
    const caughtUp = version === undefined || version >= entry.version;
    if (caughtUp || performance.now() - entry.at > maxAgeMs) {
      this.#entries.delete(key);
      return cached;
    }
    return { ...cached, status: entry.status };
  }

  forget(namespace: string, name: string): void {
    this.#entries.delete(`${namespace}/${name}`);
  }
}
