// The parsed spec of each TrackerCluster, kept between reconciles. Parsing (the schema's defaults, every
// schema and rule check) allocated more per reconcile than anything else the operator does, and almost
// every reconcile (a child's status changed, the periodic resync) parses the same spec again.
//
// What parseCluster reads is apiVersion, kind, metadata.name and the spec; the entry is reused only when
// all four are what it was parsed from. Metadata and status always come from the object at hand, so a
// label, resourceVersion or status change never serves a stale value. An invalid object is never kept:
// it throws as parseCluster does, every time. Each reconcile gets its own copy of the spec (steps build
// on it, and the rendering freezes what it shares with it), so nothing a reconcile does reaches the memo.
import { parseCluster } from '../../cdk8s/index.ts';
import type { TrackerClusterSpec } from '../../crds/spec.ts';
import type { TrackerCluster } from '../../crds/trackercluster.ts';
import type { KubeObject } from '../../kube/object.ts';

type Entry = { readonly source: string; readonly spec: TrackerClusterSpec };

export class ParseMemo {
  readonly #entries = new Map<string, Entry>();
  readonly #max: number;

  /** `max` bounds the entries: beyond it the least recently used goes (one whose deletion was missed). */
  constructor(max = 512) {
    this.#max = max;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** parseCluster(live), reusing the spec parsed last for this object while its inputs are unchanged. */
  parse(live: KubeObject): TrackerCluster {
    const key = keyOf(live.metadata.namespace, live.metadata.name);
    const source = JSON.stringify([live.apiVersion, live.kind, live.metadata.name, live.spec]);
    const hit = this.#entries.get(key);
    // Map order is insertion order: a hit moves to the end, so the first entry is the least recently used.
    this.#entries.delete(key);
    if (hit?.source === source) {
      this.#entries.set(key, hit);
      return withSpec(live, structuredClone(hit.spec));
    }
    const tc = parseCluster(live);
    this.#entries.set(key, { source, spec: structuredClone(tc.spec) });
    if (this.#entries.size > this.#max) this.#entries.delete(this.#entries.keys().next().value as string);
    return tc;
  }

  /** Drops the entry of a deleted TrackerCluster. */
  forget(namespace: string | undefined, name: string): void {
    this.#entries.delete(keyOf(namespace, name));
  }
}

/**
 * By namespace and name, not uid: the controller forgets a cluster once it is gone from the cache (no uid
 * left to read), and one recreated under the same name parses the same spec the same way.
 */
const keyOf = (namespace: string | undefined, name: string): string => `${namespace ?? ''}/${name}`;

/** The TrackerCluster as parseTrackerCluster builds it, from an already parsed spec. */
function withSpec(live: KubeObject, spec: TrackerClusterSpec): TrackerCluster {
  return {
    apiVersion: live.apiVersion as TrackerCluster['apiVersion'],
    kind: live.kind as TrackerCluster['kind'],
    metadata: live.metadata,
    spec,
    ...(live.status ? { status: live.status as TrackerCluster['status'] } : {}),
  };
}

/** The operator's one memo: the parse step reads it, the controller forgets deleted clusters. */
export const parsedSpecs = new ParseMemo();
