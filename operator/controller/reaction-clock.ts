// When the reaction-latency clock of a reconcile starts: the events that arrived for a TrackerCluster
// since its last reconcile started, oldest first, each with the object (identity and resourceVersion) it
// carried. At the next start, events that turn out to be echoes of the operator's own writes
// (reconcile/echoes.ts) are set aside: the clock starts at the oldest event that is news, or at the oldest
// echo when only the operator's own writes came back. Events without an object (a finished schema pass,
// a changed replica scan) are always news.
import type { KubeObject } from '../../kube/object.ts';
import { type Echoes, identityOf } from '../reconcile/echoes.ts';

type Seen = { readonly at: number; readonly identity?: string; readonly version?: string };

/** Events kept per cluster between two reconciles; later ones cannot move the clock earlier than these. */
const maxKept = 64;

export class ReactionClocks {
  readonly #echoes: Echoes;
  readonly #seen = new Map<string, Seen[]>();

  constructor(echoes: Echoes) {
    this.#echoes = echoes;
  }

  /** An event for the cluster `key`, carrying `obj` (or none: an internal event). */
  event(key: string, obj?: KubeObject): void {
    const seen = this.#seen.get(key) ?? [];
    if (seen.length === 0) this.#seen.set(key, seen);
    // Beyond the cap the oldest are kept: the clock can only start earlier than it would with all of them.
    if (seen.length >= maxKept) return;
    const at = performance.now();
    seen.push(obj ? { at, identity: identityOf(obj), version: obj.metadata.resourceVersion } : { at });
  }

  /** A reconcile of `key` starts: when its clock started (undefined: no event since the last one). */
  start(key: string): number | undefined {
    const at = this.peek(key);
    this.#seen.delete(key);
    return at;
  }

  /**
   * When the clock of the cluster's next reconcile would start, leaving the events to it. A reconcile
   * started without news (a resync, a requeue) reads the caches as it runs, so its writes may answer an
   * event that arrived meanwhile: it is the reaction to that event, measured from it.
   */
  peek(key: string): number | undefined {
    const seen = this.#seen.get(key);
    if (!seen) return undefined;
    const news = seen.find((s) => s.identity === undefined || !this.#echoes.wrote(s.identity, s.version));
    return (news ?? seen[0])?.at;
  }
}
