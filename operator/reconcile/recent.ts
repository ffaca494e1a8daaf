// Applies the informer caches have not caught up with yet. After an apply, the watch event carrying the
// operator's own write arrives some milliseconds later; a reconcile in between (its own status write
// triggers one) would find the object missing or at its old hash in the cache and apply it again: a
// redundant write, and a reaction counted for nothing. So each apply is remembered with the hash it
// applied and the resourceVersion the apiserver returned, and an apply of the same hash is skipped while
// the kind's cache reflects an older resourceVersion. Once the cache has passed it the entry goes and the
// cache decides again, drift included: a change by anyone else comes after the operator's write, so the
// cache cannot show it before it has passed the write, and it is then reverted as usual.
// resourceVersions are compared as numbers (etcd revisions); one that is not a number is never skipped on.
import type { ManagedKind } from '../../kube/kinds.ts';

type Entry = {
  readonly kind: ManagedKind;
  readonly hash: string;
  readonly version: bigint;
  readonly at: number;
};

/** A remembered apply is dropped after this long even if the cache never caught up (a relist, a gap). */
const maxAgeMs = 60_000;

const asVersion = (rv: string | undefined): bigint | undefined => {
  if (rv === undefined || !/^\d+$/.test(rv)) return undefined;
  return BigInt(rv);
};

export class RecentApplies {
  readonly #entries = new Map<string, Entry>();

  get size(): number {
    return this.#entries.size;
  }

  /** Remembers an apply of `hash` to the object at `path` that the apiserver answered with `rv`. */
  remember(
    path: string,
    kind: ManagedKind,
    hash: string,
    rv: string | undefined,
    seen: (k: ManagedKind) => string | undefined,
  ): void {
    this.#sweep(seen);
    const version = asVersion(rv);
    if (version === undefined) this.#entries.delete(path);
    else this.#entries.set(path, { kind, hash, version, at: performance.now() });
  }

  /** True when `hash` was applied to `path` and the kind's cache (at `cached`) has not caught up yet. */
  covers(path: string, hash: string | undefined, cached: string | undefined): boolean {
    const entry = this.#entries.get(path);
    if (!entry) return false;
    if (this.#caughtUp(entry, cached)) {
      this.#entries.delete(path);
      return false;
    }
    return entry.hash === hash;
  }

  forget(path: string): void {
    this.#entries.delete(path);
  }

  #caughtUp(entry: Entry, cached: string | undefined): boolean {
    const version = asVersion(cached);
    if (performance.now() - entry.at > maxAgeMs) return true;
    return version !== undefined && version >= entry.version;
  }

  #sweep(seen: (k: ManagedKind) => string | undefined): void {
    for (const [path, entry] of this.#entries)
      if (this.#caughtUp(entry, seen(entry.kind))) this.#entries.delete(path);
  }
}
