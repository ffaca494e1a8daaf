// Delivery of one spooled batch to the store: retries with jittered exponential backoff behind the
// circuit breaker, and poison-row isolation. A batch that fails with a data error is split in halves
// (each with its own deterministic token, so a replay after a crash deduplicates the halves already
// inserted) until the offending rows stand alone; those go to the dead-letter file.

import { isDataError, type JsonLines, type Store } from '../../store/index.ts';
import { BreakerOpenError, type CircuitBreaker } from './batching/breaker.ts';
import type { TableSettings } from './batching/defaults.ts';
import { type Clock, sleep } from './clock.ts';
import type { SpoolBatch } from './contract.ts';
import type { DeadLetterFile } from './deadletter.ts';
import type { Metrics } from './metrics.ts';

export class DeliveryAborted extends Error {
  constructor() {
    super('delivery aborted: shutting down');
    this.name = 'DeliveryAborted';
  }
}

export interface DelivererDeps {
  readonly store: Store;
  readonly breaker: CircuitBreaker;
  readonly clock: Clock;
  readonly deadLetters: DeadLetterFile;
  readonly metrics: Metrics;
  readonly random?: () => number;
  /** The longest wait between two attempts of the same batch (the breaker's longest open period). */
  readonly maxBackoffMs: number;
  /** Told of every failed attempt that is retried: its reason is otherwise only a metric's count. */
  readonly onError?: (err: unknown) => void;
}

type Outcome = { ok: true } | { ok: false; error: unknown };

export class Deliverer {
  readonly #deps: DelivererDeps;
  #abort: () => void = () => undefined;
  readonly #aborted: Promise<void>;
  #isAborted = false;

  constructor(deps: DelivererDeps) {
    this.#deps = deps;
    this.#aborted = new Promise<void>((resolve) => {
      this.#abort = resolve;
    });
  }

  /** Stops every retry loop: pending deliveries reject with DeliveryAborted (their rows stay spooled). */
  abort(): void {
    this.#isAborted = true;
    this.#abort();
  }

  async deliver(batch: SpoolBatch, settings: TableSettings): Promise<void> {
    // Every attempt reads the batch anew (from the spool's files where it is not cached): a retry during an
    // outage holds none of it in memory while it waits.
    const outcome = await this.#attempt(batch.table, () => batch.pieces(), batch.token, settings);
    if (outcome.ok) return;
    await this.#isolate(batch, splitLines(await batch.lines()), settings, outcome.error);
  }

  async #isolate(
    batch: SpoolBatch,
    rows: Buffer[],
    settings: TableSettings,
    firstError: unknown,
  ): Promise<void> {
    const pieces: { lo: number; hi: number; error: unknown }[] = [
      { lo: 0, hi: rows.length, error: firstError },
    ];
    const dead: { row: Buffer; error: unknown }[] = [];
    while (pieces.length > 0) {
      const { lo, hi, error } = pieces.pop() as { lo: number; hi: number; error: unknown };
      if (hi - lo === 1) {
        dead.push({ row: rows[lo] as Buffer, error });
        continue;
      }
      const mid = lo + Math.ceil((hi - lo) / 2);
      for (const [a, b] of [
        [mid, hi],
        [lo, mid],
      ] as const) {
        const outcome = await this.#attempt(
          batch.table,
          () => rows.slice(a, b),
          `${batch.token}/${a}-${b}`,
          settings,
        );
        if (!outcome.ok) pieces.push({ lo: a, hi: b, error: outcome.error });
      }
    }
    const letters = dead.map((d) => ({
      table: batch.table,
      token: batch.token,
      reason: (d.error as Error).message ?? String(d.error),
      row: d.row.toString('utf8').trimEnd(),
    }));
    await this.#deps.deadLetters.write(letters);
    this.#deps.metrics.deadLetters.inc({ table: batch.table }, letters.length);
  }

  /** Inserts until it succeeds or the store calls the data bad; transient failures are retried. */
  async #attempt(
    table: string,
    lines: () => JsonLines,
    token: string,
    settings: TableSettings,
  ): Promise<Outcome> {
    for (let attempt = 0; ; ) {
      if (this.#isAborted) throw new DeliveryAborted();
      try {
        // A data error is the store answering normally: it must not count against the breaker.
        const outcome = await this.#deps.breaker.call(() =>
          this.#deps.store.insertJsonLines(table, lines(), { dedupToken: token }).then(
            (): Outcome => ({ ok: true }),
            (error: unknown): Outcome => {
              if (isDataError(error)) return { ok: false, error };
              throw error;
            },
          ),
        );
        return outcome;
      } catch (err) {
        if (err instanceof BreakerOpenError) {
          await this.#wait(err.retryInMs);
          continue;
        }
        this.#deps.metrics.storeErrors.inc({ table });
        this.#deps.onError?.(
          new Error(`insert into ${table} failed (attempt ${attempt + 1}), retried: ${reason(err)}`, {
            cause: err,
          }),
        );
        await this.#wait(this.#backoff(attempt++, settings));
      }
    }
  }

  /** Full jitter: uniform in [0, min(cap, base·2^n)); past `retries` attempts, the cap. */
  #backoff(attempt: number, settings: TableSettings): number {
    const cap = this.#deps.maxBackoffMs;
    const ceiling = attempt < settings.retries ? Math.min(cap, settings.backoffMs * 2 ** attempt) : cap;
    return Math.floor((this.#deps.random ?? Math.random)() * ceiling);
  }

  async #wait(ms: number): Promise<void> {
    await Promise.race([sleep(this.#deps.clock, ms), this.#aborted]);
    if (this.#isAborted) throw new DeliveryAborted();
  }
}

const reason = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** JSONEachRow lines (each ends with \n; JSON text never contains a raw newline). */
export function splitLines(lines: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let start = 0;
  for (let i = lines.indexOf(10); i !== -1; i = lines.indexOf(10, start)) {
    out.push(lines.subarray(start, i + 1));
    start = i + 1;
  }
  if (start < lines.length) out.push(Buffer.concat([lines.subarray(start), Buffer.from('\n')]));
  return out;
}
