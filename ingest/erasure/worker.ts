// Runs erase requests to the end, including those a previous run of the process (or, on a journal other
// instances share, another instance) left unfinished. A request is journaled before it is answered and
// leaves the journal only once its final status is stored (and its second pass has run): until then every
// start resumes it, and on a shared journal every scan by an instance that can claim it. Its life:
//   0. have the destinations drop the person's queued events and dead letters (forwarding, when any are
//      configured): a backlog may hold their events for days, and would send them after `done`;
//   1. wait until the rows acknowledged before it are in the store (they would land after the erasure);
//   2. read the ids linked to the person (their other vids and uids, the IPs of their events) and record
//      them in the request's journal entry (the deletes remove the events they are read from: a run
//      resumed after them goes on with the recorded ones), have the
//      destinations drop those ids' events too, run the delete on every table, and rewrite the data
//      path's dead letters (rows the store refused, kept in a file) without the person's, all over the
//      same ids; a table whose delete fails, or a rewrite that fails, is
//      tried again with growing delays, the status saying `retrying`, until the request is older than
//      giveUpAfterMs: then `failed`;
//   3. record `done`, and one more pass secondPassMs later for rows another replica's spool still held.
// A stop at any point leaves the request journaled: a delete cut short by the closing store is not a
// failure, and the next start runs the request again from the beginning (deletes are idempotent). A run
// goes on only while this instance holds the request: one whose claim lapsed (this instance was cut off
// from the shared journal for too long) stops before its next status, and whoever claims it runs it.
// The status record names the request and its org scope, never the person: a row holding their vid,
// uid or email hash would be erased by the erasure itself, and would keep the id of someone who asked to
// be forgotten.
import { IngestError } from '../errors.ts';
import { growingLru } from '../lru.ts';
import { newId } from '../model/ids.ts';
import { chTime } from '../model/time.ts';
import type { EraseTarget, ErasureStatus, LinkedIds } from '../repositories/index.ts';
import type { EraseStatus, JournalEntry } from './contract.ts';
import { eraseLinked, FORWARDING, plannedTables, readLinks, stopForwarding } from './erase-steps.ts';
import { claimJournal } from './journal-scan.ts';
import { StoppableTimers } from './timers.ts';
import {
  DEFAULT_TIMING,
  type EraseTiming,
  type EraseWorker,
  type EraseWorkerDeps,
  PENDING_RETRY_AFTER_S,
} from './worker-api.ts';

type Pass = 'first' | 'second';

export function createEraseWorker(deps: EraseWorkerDeps, timing: EraseTiming = DEFAULT_TIMING): EraseWorker {
  return new Worker(deps, timing);
}

class Worker implements EraseWorker {
  readonly #deps: EraseWorkerDeps;
  readonly #timing: EraseTiming;
  readonly #statuses = growingLru<string, ErasureStatus>({ max: 10_000 });
  /** Requests this process is working on: resume() never starts one twice. */
  readonly #active = new Set<string>();
  #scanning: Promise<void> | undefined;
  #rescans = false;
  readonly #timers = new StoppableTimers();
  /**
   * The ids found linked to a request (and the IPs of the person's events), as its journal entry records
   * them, kept until it finishes: its first pass deletes the events that link them, and the second pass,
   * or a run resumed after a stop, must still reach the rows of the other tables and copies.
   */
  readonly #linked = new Map<string, LinkedIds>();
  /** Deletes run one request at a time: a journal resumed whole must not queue a mutation per request. */
  #serial: Promise<unknown> = Promise.resolve();
  /** Submits being journaled, not yet active: counted against maxPending so that a burst cannot pass it. */
  #adding = 0;

  constructor(deps: EraseWorkerDeps, timing: EraseTiming) {
    this.#deps = deps;
    this.#timing = timing;
  }

  async submit(target: EraseTarget): Promise<{ requestId: string; tables: string[] }> {
    // Requests drain one at a time, seconds each: accepted faster, they would queue without end (and each
    // holds a journal entry until done). Refused before the journal, an accepted one is never dropped.
    const { journal, maxPending = Number.POSITIVE_INFINITY } = this.#deps;
    if (this.#active.size + this.#adding >= maxPending)
      throw new IngestError('OVERLOADED', `${maxPending} erase requests are pending; retry later`, {
        retryAfterS: PENDING_RETRY_AFTER_S,
      });
    const entry: JournalEntry = { requestId: newId(), target, askedAt: this.#deps.now() };
    this.#adding++;
    try {
      await journal.add(entry).catch((err: unknown) => {
        throw new IngestError(
          'OVERLOADED',
          `the erasure journal (${journal.where}) cannot be written; retry later`,
          { cause: err },
        );
      });
      await this.#record(entry, 'pending');
      this.#start(entry);
    } finally {
      this.#adding--;
    }
    return { requestId: entry.requestId, tables: plannedTables(this.#deps, entry) };
  }

  async resume(): Promise<void> {
    await this.#scan();
    const every = this.#deps.journal.rescanMs;
    if (every === undefined || this.#rescans) return;
    this.#rescans = true;
    // a scan logs its own failures; one that threw anyway must not end the rescans
    const again = (): void =>
      this.#timers.after(
        every,
        () =>
          void this.#scan()
            .catch(() => undefined)
            .then(again),
      );
    again();
  }

  /** One look at the journal (never two at once): claims and starts what this instance does not run. */
  #scan(): Promise<void> {
    this.#scanning ??= this.#claimAll().finally(() => {
      this.#scanning = undefined;
    });
    return this.#scanning;
  }

  #claimAll(): Promise<void> {
    return claimJournal(this.#deps, {
      stopped: () => this.#timers.stopped,
      running: (requestId) => this.#active.has(requestId),
      adopt: async (entry, stored) => {
        if (!stored) await this.#record(entry, 'pending', 'resumed after a stop');
        this.#start(entry);
      },
    });
  }

  async status(requestId: string): Promise<ErasureStatus | undefined> {
    return this.#statuses.get(requestId) ?? this.#deps.repository.status(requestId);
  }

  close(): void {
    this.#timers.stop();
  }

  #start(entry: JournalEntry): void {
    if (this.#timers.stopped || this.#active.has(entry.requestId)) return;
    this.#active.add(entry.requestId);
    // a resumed request goes on with what its earlier runs found (their deletes took the events)
    if (entry.linked !== undefined) this.#linked.set(entry.requestId, entry.linked);
    this.#guarded(entry, () => this.#firstPass(entry, 1));
  }

  /**
   * Runs a step in the background; an unexpected error is logged, and the request stays journaled and
   * is let go, for the next start (or another instance's scan) to run.
   */
  #guarded(entry: JournalEntry, step: () => Promise<void>): void {
    step().catch((err: unknown) => {
      this.#deps.log('error', `erase request ${entry.requestId} stopped (resumed later)`, err);
      this.#active.delete(entry.requestId);
      this.#statuses.delete(entry.requestId);
      this.#linked.delete(entry.requestId);
      void this.#deps.journal.release(entry.requestId).catch(() => undefined);
    });
  }

  /**
   * Whether the run of the request must end here: the worker stopped, or this instance no longer holds
   * the request (its claim lapsed: another instance may be running it). Its in-memory status then goes,
   * so a status read answers what is stored.
   */
  #gone(entry: JournalEntry): boolean {
    if (this.#timers.stopped || !this.#active.has(entry.requestId)) return true;
    if (this.#deps.journal.holds(entry.requestId)) return false;
    this.#active.delete(entry.requestId);
    this.#statuses.delete(entry.requestId);
    this.#linked.delete(entry.requestId);
    this.#deps.log(
      'warn',
      `erase request ${entry.requestId}: its claim lapsed; left to the instance that claims it`,
    );
    return true;
  }

  async #firstPass(entry: JournalEntry, attempt: number): Promise<void> {
    // Rows acknowledged before the request may still be in the spool: erased only once they are stored,
    // or they would land after the erasure while its status said done. settled() rejects only once the
    // data path drains: the request then stays journaled.
    if (this.#gone(entry)) return;
    if (!(await stopForwarding(this.#deps, entry, this.#linked.get(entry.requestId)))) {
      if (!this.#gone(entry)) this.#retry(entry, 'first', attempt, [FORWARDING]);
      return;
    }
    const settled = await this.#deps.settled(plannedTables(this.#deps, entry)).then(
      () => true,
      () => false,
    );
    if (!settled || this.#gone(entry)) return;
    const failed = await this.#run(entry);
    if (this.#gone(entry)) return;
    if (failed.length > 0) return this.#retry(entry, 'first', attempt, failed);
    if (!(await this.#record(entry, 'done'))) {
      if (!this.#gone(entry)) this.#retry(entry, 'first', attempt, ['(the status could not be stored)']);
      return;
    }
    this.#timers.after(this.#timing.secondPassMs, () =>
      this.#guarded(entry, () => this.#secondPass(entry, 1)),
    );
  }

  async #secondPass(entry: JournalEntry, attempt: number): Promise<void> {
    if (this.#gone(entry)) return;
    const failed = await this.#run(entry);
    if (this.#gone(entry)) return;
    if (failed.length > 0) return this.#retry(entry, 'second', attempt, failed);
    await this.#finish(entry);
  }

  /**
   * Runs the request's deletes, then its rewrite of the data path's dead letters, after those of the
   * requests before it; answers what failed (tables, and the steps' names).
   */
  #run(entry: JournalEntry): Promise<string[]> {
    const run = async (): Promise<string[]> => {
      if (this.#timers.stopped) return [];
      // the lookup reads events: when it fails, the request is retried as a failed delete of events is;
      // when its recording fails, nothing is deleted that a stop could leave unfinished for good
      const linked = await readLinks(this.#deps, entry, this.#linked.get(entry.requestId));
      if (typeof linked === 'string') return [linked];
      this.#linked.set(entry.requestId, linked);
      return eraseLinked(this.#deps, entry, linked);
    };
    const next = this.#serial.then(run, run);
    this.#serial = next.catch(() => undefined);
    return next;
  }

  #retry(entry: JournalEntry, pass: Pass, attempt: number, failed: readonly string[]): void {
    const { firstRetryMs, maxRetryMs, giveUpAfterMs } = this.#timing;
    const delay = Math.min(firstRetryMs * 2 ** (attempt - 1), maxRetryMs);
    if (this.#deps.now() + delay - entry.askedAt > giveUpAfterMs) {
      this.#guarded(entry, () => this.#giveUp(entry, pass, failed));
      return;
    }
    const next = new Date(this.#deps.now() + delay).toISOString();
    const detail = `attempt ${attempt} failed on ${failed.join(',')}; next attempt at ${next}`;
    // the second pass runs after `done` was recorded: its retries are the operator's to see, not a
    // change of the request's status
    if (pass === 'first') void this.#record(entry, 'retrying', detail);
    else this.#deps.log('warn', `erase request ${entry.requestId}, second pass: ${detail}`);
    const again = pass === 'first' ? this.#firstPass : this.#secondPass;
    this.#timers.after(delay, () => this.#guarded(entry, () => again.call(this, entry, attempt + 1)));
  }

  async #giveUp(entry: JournalEntry, pass: Pass, failed: readonly string[]): Promise<void> {
    if (this.#gone(entry)) return;
    const tables = failed.join(',');
    this.#deps.log('error', `erase request ${entry.requestId} given up (${pass} pass) on ${tables}`);
    if (pass === 'second' || (await this.#record(entry, 'failed', tables))) await this.#finish(entry);
  }

  /** The request needs nothing more: its entry, the last copy of the person's ids and IPs here, goes. */
  async #finish(entry: JournalEntry): Promise<void> {
    this.#active.delete(entry.requestId);
    this.#linked.delete(entry.requestId);
    await this.#deps.journal.remove(entry.requestId).catch((err: unknown) => {
      this.#deps.log(
        'error',
        `erase request ${entry.requestId}: its journal entry stays (run again later)`,
        err,
      );
    });
  }

  /**
   * Records the status (in memory at once); answers whether the record is durable. Not once the request
   * is no longer this instance's: the one that holds it records its statuses.
   */
  async #record(entry: JournalEntry, status: EraseStatus, detail = ''): Promise<boolean> {
    if (this.#active.has(entry.requestId) && this.#gone(entry)) return false;
    this.#statuses.set(entry.requestId, { status, detail });
    this.#deps.onStatus?.(status);
    const row = { request_id: entry.requestId, oid: entry.target.oid, status, detail };
    return this.#deps.append('erasures', [{ ...row, updated_at: chTime(this.#deps.now()) }]).then(
      () => true,
      () => false,
    );
  }
}
