// What the erase worker needs and what it offers: its dependencies (the journal, the store's erasure
// repository, the data path's hooks, the destinations' part), its timing, and its interface.
import type { LinkedPersonIds } from '../privacy/erased-ids.ts';
import type { EraseTarget, ErasureRepository, ErasureStatus } from '../repositories/index.ts';
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
