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
import { type LinkedPersonIds, namesPerson } from '../privacy/erased-ids.ts';
import {
  ANY_IPS,
  ANY_LINKS,
  type EraseTarget,
  type ErasureRepository,
  type ErasureStatus,
  type LinkedIds,
  NO_LINKS,
} from '../repositories/index.ts';
import type { EraseJournal, EraseStatus, JournalEntry } from './contract.ts';

/**
 * An erase request as the destinations take it: before the links are read, and again with them (the
 * linked vids and uids only: no IP of the person leaves the erasure).
 */
export type ForwardedRequest = Omit<JournalEntry, 'linked'> & { readonly linked?: LinkedPersonIds };

export type EraseLog = (level: 'info' | 'warn' | 'error', msg: string, err?: unknown) => void;

export interface EraseWorkerDeps {
  readonly journal: EraseJournal;
  readonly repository: ErasureRepository;
  /** The data path's settled(): resolves once the tables' rows acknowledged before the call are stored. */
  readonly settled: (tables: readonly string[]) => Promise<void>;
  /** A durable append of `erasures` status rows. */
  readonly append: (table: string, rows: readonly Record<string, unknown>[]) => Promise<void>;
  /**
   * The data path's eraseDeadLetters(): rewrites its dead-letter file without the rows `matches` names,
   * resolving with how many went. The store's deletes never reach that file, and it keeps a row for good.
   */
  readonly eraseDeadLetters: (matches: (row: unknown) => boolean) => Promise<number>;
  readonly now: () => number;
  readonly log: EraseLog;
  /**
   * The destinations' part (absent when none is configured): resolves once no forwarder sends an event
   * of the request's person (the ids it names, and those `linked` to them) and their dead letters are
   * gone; rejects when that is not yet so.
   */
  readonly forwarding?: (request: ForwardedRequest) => Promise<void>;
  /** Each status this instance records (for tracker_erase_requests_total). */
  readonly onStatus?: (status: EraseStatus) => void;
  /**
   * Most requests this process runs at once (accepted and unfinished, resumed ones included); a submit
   * past it is refused OVERLOADED, before anything is journaled. Default: no bound.
   */
  readonly maxPending?: number;
}

/** When a submit refused for too many pending requests may try again: a request takes seconds. */
export const PENDING_RETRY_AFTER_S = 10;

/** How a failure of the destinations' part is named where a failed table would be. */
const FORWARDING = 'destination backlogs';
/** How a failed rewrite of the data path's dead letters is named where a failed table would be. */
const DEAD_LETTERS = 'data path dead letters';
/** How a failed lookup of the linked ids is named (it reads events). */
const LOOKUP = 'events';
/** How a failed recording of the linked ids in the journal is named. */
const JOURNAL = 'erasure journal';

export interface EraseTiming {
  /** The delay before the second try of a failed delete; it doubles with every further try. */
  readonly firstRetryMs: number;
  readonly maxRetryMs: number;
  /** A delete still failing this long after the request was asked is given up: status `failed`. */
  readonly giveUpAfterMs: number;
  /** The second pass, for rows another replica's spool held: this long after the first. */
  readonly secondPassMs: number;
}

export const DEFAULT_TIMING: EraseTiming = {
  firstRetryMs: 5_000,
  maxRetryMs: 10 * 60_000,
  giveUpAfterMs: 7 * 24 * 3600_000,
  secondPassMs: 15_000,
};

export interface EraseWorker {
  /** Journals the request (durably), records it pending and starts it; rejects OVERLOADED if unjournaled. */
  submit(target: EraseTarget): Promise<{ requestId: string; tables: string[] }>;
  /**
   * Starts every request of the journal this instance can claim (called once the app is ready; on a
   * shared journal it looks again every journal.rescanMs until close). Never rejects.
   */
  resume(): Promise<void>;
  /** The status this process last recorded, else the stored one. */
  status(requestId: string): Promise<ErasureStatus | undefined>;
  /** Stops: nothing further starts, and whatever is unfinished stays journaled for the next start. */
  close(): void;
}

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
  readonly #timers = new Set<NodeJS.Timeout>();
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
  #stopped = false;

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
    return { requestId: entry.requestId, tables: this.#tables(entry) };
  }

  async resume(): Promise<void> {
    await this.#scan();
    const every = this.#deps.journal.rescanMs;
    if (every === undefined || this.#rescans) return;
    this.#rescans = true;
    // a scan logs its own failures; one that threw anyway must not end the rescans
    const again = (): void =>
      this.#after(
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

  async #claimAll(): Promise<void> {
    const { journal, log } = this.#deps;
    let entries: JournalEntry[];
    try {
      entries = await journal.entries((name, problem) =>
        log('error', `erasure journal ${journal.where}: ${name}: ${problem}`),
      );
    } catch (err) {
      log('error', `erasure journal ${journal.where} unreadable: nothing resumed`, err);
      return;
    }
    let resumed = 0;
    for (const entry of entries) {
      if (this.#stopped) return;
      if (this.#active.has(entry.requestId)) continue;
      const claimed = await journal.claim(entry);
      if (claimed === undefined) continue;
      // a request without a stored status (its pending record was refused while the process stopped)
      // gets one; a stored status is left as it is until this run records the next. When the status
      // cannot be read it is recorded pending too, and said: a request left with no status would answer
      // 404 until its run records one, a pending one only hides a stored status until then.
      const stored = await this.#deps.repository.status(claimed.requestId).catch((err: unknown) => {
        log('warn', `erase request ${claimed.requestId}: status unreadable, recorded pending again`, err);
        return undefined;
      });
      if (stored === undefined) await this.#record(claimed, 'pending', 'resumed after a stop');
      this.#start(claimed);
      resumed++;
    }
    if (resumed > 0) log('info', `resuming ${resumed} erase request(s) from the journal`);
  }

  async status(requestId: string): Promise<ErasureStatus | undefined> {
    return this.#statuses.get(requestId) ?? this.#deps.repository.status(requestId);
  }

  close(): void {
    this.#stopped = true;
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
  }

  #tables(entry: JournalEntry): string[] {
    const { ehash, uid } = entry.target;
    const links = ehash === undefined && uid === undefined ? ANY_IPS : ANY_LINKS;
    return this.#deps.repository.plan(entry.target, links).map((s) => s.table);
  }

  /**
   * The ids linked to the request, and the IPs of the person's events: those recorded before, and those
   * events hold now. Anything new is recorded in the journal entry before it is answered (no delete runs
   * on ids a stop would forget); otherwise what failed, the lookup or the recording.
   */
  async #links(entry: JournalEntry): Promise<LinkedIds | typeof LOOKUP | typeof JOURNAL> {
    const { journal, log, repository } = this.#deps;
    const before = this.#linked.get(entry.requestId) ?? NO_LINKS;
    // retried as a failed delete of events; the store's error is not logged: it may quote the ids
    const found = await repository.linked(entry.target).catch(() => undefined);
    if (found === undefined) return LOOKUP;
    const union = (a: readonly string[], b: readonly string[]) => [...new Set([...a, ...b])];
    const linked = {
      vids: union(before.vids, found.vids),
      uids: union(before.uids, found.uids),
      ips: union(before.ips, found.ips),
    };
    const count = (l: LinkedIds) => l.vids.length + l.uids.length + l.ips.length;
    if (count(linked) > count(before)) {
      try {
        await journal.update({ ...entry, linked });
      } catch (err) {
        log('warn', `erase request ${entry.requestId}: the linked ids could not be journaled`, err);
        return JOURNAL;
      }
    }
    this.#linked.set(entry.requestId, linked);
    return linked;
  }

  #start(entry: JournalEntry): void {
    if (this.#stopped || this.#active.has(entry.requestId)) return;
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
    if (this.#stopped || !this.#active.has(entry.requestId)) return true;
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
    if (!(await this.#stopForwarding(entry, this.#linked.get(entry.requestId)))) {
      if (!this.#gone(entry)) this.#retry(entry, 'first', attempt, [FORWARDING]);
      return;
    }
    const settled = await this.#deps.settled(this.#tables(entry)).then(
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
    this.#after(this.#timing.secondPassMs, () => this.#guarded(entry, () => this.#secondPass(entry, 1)));
  }

  /**
   * The destinations' part, first with the ids the request names and those already known linked (it
   * needs no store, and every moment a backlog may send counts; a mark is replaced, so a retry or a
   * resumed run must not shrink it to the named ids), then again with those linked to them, once read.
   */
  async #stopForwarding(entry: JournalEntry, linked?: LinkedIds): Promise<boolean> {
    const { forwarding, log } = this.#deps;
    if (forwarding === undefined) return true;
    const { linked: _journaled, ...named } = entry;
    const request =
      linked === undefined || linked.vids.length + linked.uids.length === 0
        ? named
        : { ...named, linked: { vids: linked.vids, uids: linked.uids } };
    return forwarding(request).then(
      () => true,
      (err: unknown) => {
        log('warn', `erase request ${entry.requestId}: the destinations could not take it yet`, err);
        return false;
      },
    );
  }

  /** The data path's dead letters without the person's rows; whether that is so (a failure is logged). */
  async #eraseDeadLetters(entry: JournalEntry, linked: LinkedIds): Promise<boolean> {
    const { eraseDeadLetters, log } = this.#deps;
    try {
      const removed = await eraseDeadLetters((row) => namesPerson(entry.target, row, linked));
      // the count only: a line naming the person would keep their id in the logs
      if (removed > 0)
        log('info', `erase request ${entry.requestId}: ${removed} data path dead letters removed`);
      return true;
    } catch (err) {
      log(
        'warn',
        `erase request ${entry.requestId}: the data path's dead letters could not be rewritten`,
        err,
      );
      return false;
    }
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
   * requests before it; answers what failed (tables, and DEAD_LETTERS).
   */
  #run(entry: JournalEntry): Promise<string[]> {
    const { repository } = this.#deps;
    const run = async (): Promise<string[]> => {
      if (this.#stopped) return [];
      // the lookup reads events: when it fails, the request is retried as a failed delete of events is;
      // when its recording fails, nothing is deleted that a stop could leave unfinished for good
      const linked = await this.#links(entry);
      if (typeof linked === 'string') return [linked];
      // the linked ids' queued events are the person's too: the backlogs drop them before `done`
      const forwarded =
        linked.vids.length + linked.uids.length === 0 || (await this.#stopForwarding(entry, linked));
      const deleted = await repository.run(repository.plan(entry.target, linked));
      const failed = forwarded ? deleted : [...deleted, FORWARDING];
      return (await this.#eraseDeadLetters(entry, linked)) ? failed : [...failed, DEAD_LETTERS];
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
    this.#after(delay, () => this.#guarded(entry, () => again.call(this, entry, attempt + 1)));
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

  #after(ms: number, fn: () => void): void {
    if (this.#stopped) return;
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      if (!this.#stopped) fn();
    }, ms);
    timer.unref();
    this.#timers.add(timer);
  }
}
