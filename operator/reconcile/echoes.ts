// Echoes: the watch events that carry the operator's own writes back. Every write the apiserver answers
// with an object (an apply, a create, a status patch) is remembered by the object's kind, namespace, name
// and the resourceVersion of the answer; a watch event with that very resourceVersion is the write coming
// back, not a change anyone else made. It still triggers a reconcile (the caches now hold the object, and
// what a step derives from it may have changed), but it is no news the operator has to react to: the
// reaction-latency clock starts at the first event that is not an echo (controller/reaction-clock.ts).
// The event may arrive before the write's answer (the watch stream and the request are separate
// connections), so the question is asked when the next reconcile starts, after the previous one has
// collected all its answers. Only the newest write of an object is remembered: the echo of an older one
// then counts as news (the clock only ever starts earlier than it should, never later).
import type { KubeObject } from '../../kube/object.ts';

/** An entry whose event never came (an apply that changed nothing is not sent back) goes after this long. */
const maxAgeMs = 60_000;

/** Kind, namespace and name: how an object is told apart from every other one here. */
export const identityOf = (obj: KubeObject): string =>
  `${obj.kind}/${obj.metadata.namespace ?? ''}/${obj.metadata.name}`;

export class Echoes {
  readonly #written = new Map<string, { readonly version: string; readonly at: number }>();
  /** Only kinds that are watched ever come back. */
  readonly #watched: ReadonlySet<string>;
  #sweptAt = 0;

  constructor(watchedKinds: Iterable<string>) {
    this.#watched = new Set(watchedKinds);
  }

  get size(): number {
    return this.#written.size;
  }

  /** Remembers the object a write was answered with. */
  written(answer: KubeObject | undefined): void {
    const version = answer?.metadata?.resourceVersion;
    if (!answer?.kind || !this.#watched.has(answer.kind) || !answer.metadata.name || !version) return;
    this.#sweep();
    this.#written.set(identityOf(answer), { version, at: performance.now() });
  }

  /** True when `version` of the object `identity` is what the operator's newest write to it stored. */
  wrote(identity: string, version: string | undefined): boolean {
    return version !== undefined && this.#written.get(identity)?.version === version;
  }

  #sweep(): void {
    const now = performance.now();
    if (now - this.#sweptAt < 1000) return;
    this.#sweptAt = now;
    for (const [key, entry] of this.#written) if (now - entry.at > maxAgeMs) this.#written.delete(key);
  }
}
