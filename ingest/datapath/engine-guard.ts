// The starvation guard of an idle-class embedded engine (ADR 0069). In SCHED_IDLE the engine runs only
// on CPU time nothing else wants, so while requests (or another process) keep the core saturated it gets
// next to nothing, and the rows wait in the spool. A short wait costs nothing: the rows are durable and
// acknowledged, and the engine inserts them when the load drops. A long one would fill the spool (503
// for everyone) and leave the data unreadable for as long as the load lasts. So once the oldest row
// waiting for the engine is older than ENGINE_LAG_MS, or the spool holds more than ENGINE_SPOOL_SHARE of
// its maxBytes, the engine's threads leave the idle class (at store.engineNice, still below the event
// loop) until both are well below again: half of each, so that the switch does not flap around one bound.
import type { Clock } from './clock.ts';

/** Older than this, the oldest row waiting for the engine lifts it out of the idle class. */
export const ENGINE_LAG_MS = 30_000;
/** Past this share of the spool's maxBytes, likewise. */
export const ENGINE_SPOOL_SHARE = 0.5;
/** How often the guard looks (a few fields per table). */
export const ENGINE_GUARD_EVERY_MS = 1_000;

/** What the guard looks at. */
export interface EngineBacklog {
  /** When the oldest row not yet in the store was appended (undefined: none waits). */
  readonly oldestAt: number | undefined;
  readonly spoolBytes: number;
  readonly spoolMaxBytes: number;
}

/** Whether the engine is behind now, given whether it was at the last look (half the bounds to leave). */
export function engineBehind(backlog: EngineBacklog, now: number, wasBehind: boolean): boolean {
  const share = wasBehind ? ENGINE_SPOOL_SHARE / 2 : ENGINE_SPOOL_SHARE;
  const lag = wasBehind ? ENGINE_LAG_MS / 2 : ENGINE_LAG_MS;
  const age = backlog.oldestAt === undefined ? 0 : now - backlog.oldestAt;
  return age > lag || backlog.spoolBytes > share * backlog.spoolMaxBytes;
}

export interface EngineGuardOptions {
  readonly clock: Clock;
  readonly backlog: () => EngineBacklog;
  /** The store's catchUp: true when the engine falls behind, false once it has caught up. */
  readonly catchUp: (behind: boolean) => void;
  readonly everyMs?: number;
}

/** Looks at the backlog every `everyMs` and tells the store when the engine falls behind or catches up. */
export class EngineGuard {
  readonly #opts: EngineGuardOptions;
  #behind = false;
  #timer: unknown;

  constructor(opts: EngineGuardOptions) {
    this.#opts = opts;
    this.#schedule();
  }

  get behind(): boolean {
    return this.#behind;
  }

  stop(): void {
    this.#opts.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #schedule(): void {
    this.#timer = this.#opts.clock.setTimeout(() => this.#look(), this.#opts.everyMs ?? ENGINE_GUARD_EVERY_MS);
  }

  #look(): void {
    if (this.#timer === undefined) return;
    const behind = engineBehind(this.#opts.backlog(), this.#opts.clock.now(), this.#behind);
    if (behind !== this.#behind) {
      this.#behind = behind;
      this.#opts.catchUp(behind);
    }
    this.#schedule();
  }
}
