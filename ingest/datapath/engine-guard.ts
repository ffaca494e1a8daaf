// The starvation guard of an idle-class embedded engine (ADR 0069). In SCHED_IDLE the engine runs only
// on CPU time nothing else wants, so while requests (or another process) keep the core saturated it gets
// next to nothing, and the rows wait in the spool. A short wait costs nothing: the rows are durable and
// acknowledged, and the engine inserts them when the load drops. A long one would fill the spool (503
// for everyone) and leave the data unreadable for as long as the load lasts. So once a row is overdue by
// more than ENGINE_LAG_MS (past its table's flush delay and still not in the store: waiting for an insert
// slot, or in an insert that is running), or the spool holds more than ENGINE_SPOOL_SHARE of its
// maxBytes, the engine's threads leave the idle class (at store.engineNice, still below the event loop)
// until both are well below again: half of each, so that the switch does not flap around one bound.
// Overdue rather than old: an `events` row waits up to 10 s for its batch by design.
import { resolveSettings } from './batching/defaults.ts';
import type { Clock } from './clock.ts';
import type { TableLog } from './contract.ts';

/**
 * Overdue by more than this, a row lifts the engine out of the idle class. A few times what a large
 * insert takes when the engine has a core (1-2 s for 50,000 `events` rows): a burst that saturates the
 * core for a few seconds leaves the engine idle, a load that lasts does not.
 */
export const ENGINE_LAG_MS = 10_000;
/** Past this share of the spool's maxBytes, likewise. */
export const ENGINE_SPOOL_SHARE = 0.5;
/** How often the guard looks (a few fields per table). */
export const ENGINE_GUARD_EVERY_MS = 1_000;

/** What the guard looks at. */
export interface EngineBacklog {
  /** How long the most overdue row not yet in the store is past its flush (0: none). */
  readonly overdueMs: number;
  readonly spoolBytes: number;
  readonly spoolMaxBytes: number;
}

/** Where the rows not yet in the store are. */
export interface EngineBacklogSources {
  readonly spool: {
    tables(): string[];
    peek(table: string): Pick<TableLog, 'pending'> | undefined;
    readonly bytes: number;
  };
  readonly config: {
    readonly spool: { readonly maxBytes: number };
    readonly batching: { readonly tables?: Readonly<Record<string, Parameters<typeof resolveSettings>[1]>> };
  };
  /** When each batch being delivered was cut from the spool. */
  readonly deliveringSince: readonly number[];
}

/**
 * How far past its flush the most overdue row not yet in the store is: pending in a table's log past
 * the table's delay, or in a batch being delivered since it was cut. A table that flushes by size only
 * has no delay: its rows wait for more by design, and its full batches are cut at once.
 */
export function engineBacklog(from: EngineBacklogSources, now: number): EngineBacklog {
  let overdueMs = 0;
  for (const table of from.spool.tables()) {
    const oldestAt = from.spool.peek(table)?.pending.oldestAt;
    if (oldestAt === undefined) continue;
    const settings = resolveSettings(table, from.config.batching.tables?.[table]);
    if (settings.strategy === 'size' || settings.strategy === 'memory') continue;
    overdueMs = Math.max(overdueMs, now - oldestAt - settings.maxDelayMs);
  }
  for (const since of from.deliveringSince) overdueMs = Math.max(overdueMs, now - since);
  return { overdueMs, spoolBytes: from.spool.bytes, spoolMaxBytes: from.config.spool.maxBytes };
}

/** Whether the engine is behind now, given whether it was at the last look (half the bounds to leave). */
export function engineBehind(backlog: EngineBacklog, wasBehind: boolean): boolean {
  const share = wasBehind ? ENGINE_SPOOL_SHARE / 2 : ENGINE_SPOOL_SHARE;
  const lag = wasBehind ? ENGINE_LAG_MS / 2 : ENGINE_LAG_MS;
  return backlog.overdueMs > lag || backlog.spoolBytes > share * backlog.spoolMaxBytes;
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
    this.#timer = this.#opts.clock.setTimeout(
      () => this.#look(),
      this.#opts.everyMs ?? ENGINE_GUARD_EVERY_MS,
    );
  }

  #look(): void {
    if (this.#timer === undefined) return;
    const behind = engineBehind(this.#opts.backlog(), this.#behind);
    if (behind !== this.#behind) {
      this.#behind = behind;
      this.#opts.catchUp(behind);
    }
    this.#schedule();
  }
}
