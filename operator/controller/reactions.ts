// The reaction latency of every reconcile that writes: from the oldest event it is the answer to that is
// news (controller/reaction-clock.ts) to its first write handed to the HTTP client, into the histogram, the
// debug log and, when it is on, the exact trace (controller/reaction-trace.ts). The queue-wait histogram
// uses the same clock.
import type { KubeObject } from '../../kube/object.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import type { Echoes } from '../reconcile/echoes.ts';
import { ReactionClocks } from './reaction-clock.ts';
import { type ReactionTrace, reactionTrace } from './reaction-trace.ts';

export interface ReactionsOptions {
  readonly echoes: Echoes;
  readonly metrics: Metrics;
  readonly log: Logger;
  /** The trace file; empty: no trace. */
  readonly traceFile: string;
}

/** A reconcile's finished steps and their durations in ms, in order (for the trace). */
export type StepTimes = Array<[step: string, ms: number]>;

/** Reports a reconcile's reaction, with the step that made its first write. */
export type OnFirstWrite = (step: string) => void;

export class Reactions {
  readonly #o: ReactionsOptions;
  /** Per key: the events no reconcile has started after yet (when the reaction clock starts). */
  readonly #clocks: ReactionClocks;
  /** Per key: how long its status write being sent waited for the one before (for the trace). */
  readonly #statusWaits = new Map<string, { readonly ms: number; readonly replaced: boolean }>();
  readonly #trace: ReactionTrace | undefined;

  constructor(options: ReactionsOptions) {
    this.#o = options;
    this.#clocks = new ReactionClocks(options.echoes);
    this.#trace = reactionTrace(options.traceFile);
  }

  /** An event for the cluster `key`, carrying `obj` (or none: an internal event). */
  event(key: string, obj?: KubeObject): void {
    this.#clocks.event(key, obj);
  }

  /**
   * A reconcile of `key` starts: what reports its reaction if it writes. Without news since the last one
   * (a resync, a requeue) it reports only when news arrived before its first write (reaction-clock.ts).
   */
  begin(key: string, steps?: StepTimes): OnFirstWrite {
    const at = this.#clocks.start(key);
    if (at === undefined)
      return (step) => {
        const news = this.#clocks.peek(key);
        if (news !== undefined) this.#report(key, step, news, 0, steps);
      };
    const waited = performance.now() - at;
    this.#o.metrics.queueWait.observe(waited / 1000);
    this.#o.log.debug('Reconcile started', { trackercluster: key, waitedMs: Math.round(waited) });
    return (step) => this.#report(key, step, at, waited, steps);
  }

  /** Whether reactions are traced (then the controller collects each reconcile's step times for them). */
  get tracing(): boolean {
    return this.#trace !== undefined;
  }

  /** The cluster's status write is handed over after waiting `ms` for the one before (for the trace). */
  statusSent(key: string, ms: number, replaced: boolean): void {
    if (this.#trace) this.#statusWaits.set(key, { ms, replaced });
  }

  forget(key: string): void {
    this.#statusWaits.delete(key);
  }

  close(): Promise<void> {
    return this.#trace?.close() ?? Promise.resolve();
  }

  #report(key: string, step: string, at: number, waited: number, steps?: StepTimes): void {
    const ms = performance.now() - at;
    this.#o.metrics.reaction.observe({ step }, ms / 1000);
    this.#o.log.debug('Reacted', { trackercluster: key, step, ms: Math.round(ms) });
    const status = step === 'status' ? this.#statusWaits.get(key) : undefined;
    this.#trace?.record({
      cluster: key,
      step,
      ms,
      waitedMs: waited,
      statusWaitMs: status?.ms,
      ...(status?.replaced ? { replaced: true } : {}),
      ...(steps ? { steps: Object.fromEntries(steps) } : {}),
      at: Date.now(),
    });
  }
}
