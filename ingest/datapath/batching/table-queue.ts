// One table's queue: decides when to flush (strategies.ts) and runs its flushes one after another
// (take from the spool → deliver → commit). Tables flush independently and concurrently; bulk ones
// share the FlushGate's slots, immediate ones do not wait for a slot.
import type { Clock } from '../clock.ts';
import type { SpoolBatch, TableLog } from '../contract.ts';
import type { Metrics } from '../metrics.ts';
import { AdaptiveController } from './adaptive.ts';
import type { TableSettings } from './defaults.ts';
import type { FlushGate } from './gate.ts';
import { decide } from './strategies.ts';

export interface TableQueueDeps {
  readonly log: TableLog;
  readonly settings: TableSettings;
  readonly clock: Clock;
  readonly gate: FlushGate;
  readonly metrics: Metrics;
  /** Delivers a batch; throws only when delivery is aborted (shutdown). */
  readonly deliver: (batch: SpoolBatch) => Promise<void>;
  /** Pause before retrying when the spool itself fails (e.g. a batch boundary cannot be written). */
  readonly retryMs?: number;
  readonly onError?: (err: unknown) => void;
}

export class TableQueue {
  readonly #deps: TableQueueDeps;
  readonly adaptive = new AdaptiveController();
  #running: Promise<void> | undefined;
  #timer: unknown;
  #wakeAt: number | undefined;
  /** Rows appended at or before this time are flushed whatever the strategy (flushBy). */
  #dueBy = Number.NEGATIVE_INFINITY;
  #draining = false;
  #stopped = false;

  constructor(deps: TableQueueDeps) {
    this.#deps = deps;
  }

  get table(): string {
    return this.#deps.log.table;
  }

  /** Called after rows were appended (and by timers): flush now, or arm a timer for later. */
  notify(appendedRows = 0): void {
    if (appendedRows > 0) this.adaptive.observeArrival(appendedRows, this.#deps.clock.now());
    if (this.#running || this.#stopped) return;
    const decision = this.#decide();
    if (decision.flush) {
      this.#running = this.#loop().finally(() => {
        this.#running = undefined;
        this.notify();
      });
    } else if (decision.wakeAt !== undefined) this.#arm(decision.wakeAt);
  }

  /**
   * Flushes the rows appended at or before `at` now, whatever the strategy, then goes back to it: the
   * rows a previous run left (a `size` or `memory` table below its thresholds would hold them until new
   * rows arrive, and the close that should have delivered them ran out of time), and the rows settled()
   * waits for. Rows are cut from the head, so these go first.
   */
  flushBy(at: number): void {
    this.#dueBy = Math.max(this.#dueBy, at);
    this.notify();
  }

  /** Flushes everything regardless of the strategy; resolves once nothing is pending (or stopped). */
  async drain(): Promise<void> {
    this.#draining = true;
    this.notify();
    while (this.#running && !this.#stopped) {
      await this.#running;
      if (this.#deps.log.pending.rows === 0) break;
    }
  }

  /** Stops flushing (the rows stay in the spool for the next start). */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#deps.clock.clearTimeout(this.#timer);
    await this.#running;
  }

  #decide() {
    const pending = this.#deps.log.pending;
    const due = pending.oldestAt !== undefined && pending.oldestAt <= this.#dueBy;
    if (this.#draining || due) return { flush: pending.rows > 0 };
    return decide(this.#deps.settings, pending, this.#deps.clock.now(), this.adaptive);
  }

  #arm(at: number): void {
    if (this.#wakeAt !== undefined && this.#wakeAt <= at) return;
    this.#deps.clock.clearTimeout(this.#timer);
    this.#wakeAt = at;
    this.#timer = this.#deps.clock.setTimeout(
      () => {
        this.#wakeAt = undefined;
        this.notify();
      },
      Math.max(0, at - this.#deps.clock.now()),
    );
  }

  async #loop(): Promise<void> {
    while (!this.#stopped && this.#decide().flush) {
      try {
        await this.#flushOnce();
      } catch (err) {
        if (this.#stopped) return;
        this.#deps.onError?.(err);
        await new Promise((resolve) =>
          this.#deps.clock.setTimeout(() => resolve(undefined), this.#deps.retryMs ?? 1000),
        );
      }
    }
  }

  async #flushOnce(): Promise<void> {
    const { settings, log, metrics, clock } = this.#deps;
    const release =
      settings.strategy === 'immediate' ? () => undefined : await this.#deps.gate.acquire(settings.priority);
    try {
      const batch = await log.take({ maxRows: settings.maxRows, maxBytes: settings.maxBytes });
      if (!batch) return;
      const started = clock.now();
      await this.#deps.deliver(batch);
      await log.commit(batch);
      const elapsed = clock.now() - started;
      this.adaptive.observeFlush(elapsed);
      metrics.batchRows.observe({ table: batch.table }, batch.rows);
      metrics.flushSeconds.observe({ table: batch.table }, elapsed / 1000);
    } finally {
      release();
    }
  }
}
