// Delivery of one spooled batch to the store: retries with jittered exponential backoff behind the
// circuit breaker, and isolation of what the store refuses. How a failure is handled depends on what it
// says (store/errors.ts):
// - the store is down or busy (no answer, network, disk full, ...): the batch is retried as it is, for as
//   long as it takes;
// - the data is wrong: the batch is split in halves (each with its own deterministic token, so a replay
//   after a crash deduplicates the halves already inserted) until the offending rows stand alone; those
//   go to the dead-letter file and the rest is stored;
// - the insert was too large for the engine at that moment (memory, open files): after the table's fast
//   retries the batch is split in the same way, but a lone row is only ever retried, never dead-lettered;
// - a refusal the engine answered with an unknown code: after the table's fast retries it is isolated as
//   wrong data. When another part of the batch was stored, the rows refused alone are dead-lettered; when
//   the store took none of it, the failure is more likely the engine's than the rows': the batch is held
//   in the spool and tried again for a bounded time (UNKNOWN_HOLD_ROUNDS), then dead-lettered. Retrying an
//   answer that does not change for ever would hold every later row of the table.

import {
  clickhouseCode,
  type InsertErrorKind,
  insertErrorKind,
  type JsonLines,
  REFUSAL_TEXT,
  type Store,
  type StoreRefusal,
  storeRefusal,
} from '../../store/index.ts';
import { BreakerOpenError, type CircuitBreaker } from './batching/breaker.ts';
import type { TableSettings } from './batching/defaults.ts';
import { type Clock, sleep } from './clock.ts';
import type { SpoolBatch } from './contract.ts';
import type { DeadLetterFile } from './deadletter.ts';
import type { Metrics } from './metrics.ts';

/**
 * Rounds a batch is held in the spool when the store refused all of it, each row alone too, with a code
 * the data path does not know. Each round waits a jittered backoff up to the longest one (the breaker's
 * longest open period, 30 s by default: about 15 s on average) and tries the whole batch again, so about
 * five minutes in all: an engine failing under an unlisted code for that long (a server restarting, a
 * setting being changed) loses no rows to the dead-letter file. Past it the refused rows are dead-lettered,
 * so that a refusal that never changes does not hold the table for ever.
 */
export const UNKNOWN_HOLD_ROUNDS = 20;

/** What became of a failed insert, as its report says it, and the stable code its log line carries. */
const OUTCOMES = {
  failed: { text: 'failed, retried', code: 'INSERT_FAILED' },
  refused: { text: 'refused, its rows isolated', code: 'INSERT_REFUSED' },
  held: {
    text: `refused whole with a code it does not know: held (up to ${UNKNOWN_HOLD_ROUNDS} rounds)`,
    code: 'INSERT_HELD',
  },
  /**
   * A failed insert the store refused for the ingest's configuration (wrong credentials, a missing grant,
   * the schema missing): retried like an outage, its rows kept in the spool, never dead-lettered, but said
   * under a code of its own, since only an operator ends it.
   */
  storeRefused: { text: 'refused by the store, kept in the spool and retried', code: 'INSERT_STORE_REFUSED' },
} as const;

/**
 * A failed insert, as reported: its text says the table, what became of it and the store's reason; the
 * attempt (or hold round) is a field of its own, out of the text and of `repeatKey` (the table, the outcome
 * and the store's code), so that the retries of one failure are reported as one with a count. With the
 * number in the text, every retry was a new failure to the log's throttle and each was written. `code`
 * names the outcome (INSERT_FAILED, INSERT_REFUSED, INSERT_HELD, and INSERT_STORE_REFUSED for a retried
 * failure the store's configuration causes, its `refusal` field saying which): the log line's top-level
 * `code`, which a query or alert on codes matches; the store's own code stays with the cause.
 */
export class InsertFailure extends Error {
  override readonly name = 'InsertFailure';
  readonly code: (typeof OUTCOMES)[keyof typeof OUTCOMES]['code'];
  readonly repeatKey: string;
  readonly fields: {
    readonly table: string;
    readonly attempt?: number;
    readonly round?: number;
    readonly refusal?: StoreRefusal;
  };
  constructor(
    table: string,
    given: Exclude<keyof typeof OUTCOMES, 'storeRefused'>,
    count: number,
    cause: unknown,
  ) {
    const refusal = given === 'failed' ? storeRefusal(cause) : undefined;
    const outcome = refusal === undefined ? given : 'storeRefused';
    const why = refusal === undefined ? '' : ` (${REFUSAL_TEXT[refusal]})`;
    super(`insert into ${table} ${OUTCOMES[outcome].text}${why}: ${reason(cause)}`, { cause });
    this.code = OUTCOMES[outcome].code;
    const at = outcome === 'held' ? { table, round: count } : { table, attempt: count };
    this.fields = refusal === undefined ? at : { ...at, refusal };
    this.repeatKey = `${table}\0${outcome}\0${storeCodeOf(cause) ?? reason(cause)}`;
  }
}

/** The store's code for a failure: the engine's numeric code, else the system's (ECONNREFUSED). */
function storeCodeOf(err: unknown): string | undefined {
  const code = clickhouseCode(err) ?? (err as { code?: unknown } | null)?.code;
  return code === undefined || code === null || code === '' ? undefined : String(code);
}

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

/** A refusal: what the store said and what kind of failure that is. */
interface Refusal {
  readonly ok: false;
  readonly error: unknown;
  readonly kind: Exclude<InsertErrorKind, 'transient'>;
}
type Outcome = { ok: true } | Refusal;

/** One piece of a batch being isolated: rows [lo, hi) and why the store refused them together. */
interface Piece {
  readonly lo: number;
  readonly hi: number;
  readonly refusal: Refusal;
}

/** What isolating a batch came to: how many of its rows were stored, and the rows refused alone. */
interface Isolated {
  readonly stored: number;
  readonly dead: readonly { readonly row: Buffer; readonly refusal: Refusal }[];
}

/** The store took none of the batch, and refused some of it with a code it does not know: hold it. */
const toHold = (i: Isolated): boolean => i.stored === 0 && i.dead.some((d) => d.refusal.kind === 'unknown');

export class Deliverer {
  readonly #deps: DelivererDeps;
  #abort: () => void = () => undefined;
  readonly #aborted: Promise<void>;
  #isAborted = false;
  #refusal: StoreRefusal | undefined;

  constructor(deps: DelivererDeps) {
    this.#deps = deps;
    this.#aborted = new Promise<void>((resolve) => {
      this.#abort = resolve;
    });
  }

  /**
   * Why the store refuses the ingest (credentials, permissions, schema), as its latest failed insert said;
   * undefined once an insert is stored again or when the latest failure was anything else.
   */
  get refusal(): StoreRefusal | undefined {
    return this.#refusal;
  }

  /** Stops every retry loop: pending deliveries reject with DeliveryAborted (their rows stay spooled). */
  abort(): void {
    this.#isAborted = true;
    this.#abort();
  }

  async deliver(batch: SpoolBatch, settings: TableSettings): Promise<void> {
    const outcome = await this.#whole(batch, settings);
    if (outcome.ok) return;
    let isolated = await this.#isolate(batch, settings, outcome);
    for (let round = 1; round <= UNKNOWN_HOLD_ROUNDS && toHold(isolated); round++) {
      const why = isolated.dead.find((d) => d.refusal.kind === 'unknown')?.refusal.error;
      this.#deps.onError?.(new InsertFailure(batch.table, 'held', round, why));
      await this.#wait(this.#backoff(settings.retries, settings));
      const again = await this.#whole(batch, settings);
      if (again.ok) return;
      // the answer changed, or the rounds are spent: isolate anew, and dead-letter unless it is to be held
      if (again.kind !== 'unknown' || round === UNKNOWN_HOLD_ROUNDS)
        isolated = await this.#isolate(batch, settings, again);
    }
    await this.#bury(batch, isolated.dead);
  }

  /**
   * The whole batch, as the spool holds it (read anew each attempt: a retry holds none of it meanwhile).
   * The reader itself, not its pieces: the store calls it with the buffers it lends to read into.
   */
  #whole(batch: SpoolBatch, settings: TableSettings): Promise<Outcome> {
    return this.#attempt(batch.table, () => batch.pieces, batch.token, settings, batch.rows === 1);
  }

  /** Halves refused pieces until every refused row stands alone; stores the others. */
  async #isolate(batch: SpoolBatch, settings: TableSettings, first: Refusal): Promise<Isolated> {
    const rows = splitLines(await batch.lines());
    const pieces: Piece[] = [{ lo: 0, hi: rows.length, refusal: first }];
    const dead: { row: Buffer; refusal: Refusal }[] = [];
    let stored = 0;
    while (pieces.length > 0) {
      const { lo, hi, refusal } = pieces.pop() as Piece;
      // a lone row is refused only for what it holds: a size failure of one row is retried until it passes
      if (hi - lo === 1) {
        dead.push({ row: rows[lo] as Buffer, refusal });
        continue;
      }
      const mid = lo + Math.ceil((hi - lo) / 2);
      for (const [a, b] of [
        [mid, hi],
        [lo, mid],
      ] as const) {
        const token = `${batch.token}/${a}-${b}`;
        const outcome = await this.#attempt(
          batch.table,
          () => rows.slice(a, b),
          token,
          settings,
          b - a === 1,
        );
        if (outcome.ok) stored += b - a;
        else pieces.push({ lo: a, hi: b, refusal: outcome });
      }
    }
    return { stored, dead };
  }

  /** Rows refused alone go to the dead-letter file, each with the store's reason. */
  async #bury(batch: SpoolBatch, dead: Isolated['dead']): Promise<void> {
    if (dead.length === 0) return;
    const letters = dead.map((d) => ({
      table: batch.table,
      token: batch.token,
      reason: reason(d.refusal.error),
      row: d.row.toString('utf8').trimEnd(),
    }));
    await this.#deps.deadLetters.write(letters);
    this.#deps.metrics.deadLetters.inc({ table: batch.table }, letters.length);
  }

  /**
   * Inserts until it succeeds or the store refuses the rows: at once for wrong data; after the table's
   * fast retries for an unknown refusal, and for a size failure of more than one row. Anything else is
   * retried for as long as it takes.
   */
  async #attempt(
    table: string,
    lines: () => JsonLines,
    token: string,
    settings: TableSettings,
    lone: boolean,
  ): Promise<Outcome> {
    for (let attempt = 0; ; attempt++) {
      const error = await this.#insert(table, lines, token);
      this.#refusal = error === undefined ? undefined : storeRefusal(error);
      if (error === undefined) return { ok: true };
      const kind = insertErrorKind(error);
      if (kind === 'data') return { ok: false, error, kind };
      this.#deps.metrics.storeErrors.inc({ table });
      if ((kind === 'unknown' || (kind === 'size' && !lone)) && attempt >= settings.retries) {
        this.#deps.onError?.(new InsertFailure(table, 'refused', attempt + 1, error));
        return { ok: false, error, kind: kind as Refusal['kind'] };
      }
      this.#deps.onError?.(new InsertFailure(table, 'failed', attempt + 1, error));
      await this.#wait(this.#backoff(attempt, settings));
    }
  }

  /** One insert behind the breaker (waiting while it is open): undefined once stored, else the error. */
  async #insert(table: string, lines: () => JsonLines, token: string): Promise<unknown> {
    for (;;) {
      if (this.#isAborted) throw new DeliveryAborted();
      try {
        // The store answering about the rows (wrong data, or a code we do not know) is not an outage: it
        // must not count against the breaker, which holds every table's inserts while it is open.
        return await this.#deps.breaker.call(() =>
          this.#deps.store.insertJsonLines(table, lines(), { dedupToken: token }).then(
            () => undefined,
            (error: unknown) => {
              const kind = insertErrorKind(error);
              if (kind === 'data' || kind === 'unknown') return error;
              throw error;
            },
          ),
        );
      } catch (err) {
        if (!(err instanceof BreakerOpenError)) return err;
        await this.#wait(err.retryInMs);
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
