// The erasure journal's contract (its two homes: journal.ts): the entry it keeps for a request, and what
// the worker asks of it.
import type { EraseTarget, LinkedIds } from '../repositories/index.ts';

/** Every status an erase request is recorded with (tracker_erase_requests_total's label). */
export const ERASE_STATUSES = ['pending', 'retrying', 'done', 'failed'] as const;
export type EraseStatus = (typeof ERASE_STATUSES)[number];

export interface JournalEntry {
  readonly requestId: string;
  readonly target: EraseTarget;
  /** When the request was accepted (ms since the epoch): retries give up a fixed time after it. */
  readonly askedAt: number;
  /**
   * What the lookup of the person's other ids found (linked vids and uids, the IPs of their events),
   * recorded before the deletes that remove the events it reads them from: a request resumed after those
   * deletes finds nothing more, and goes on with these. Absent before the first lookup, and in entries
   * written by versions that did not record it (their lookup is simply run again). The IPs are personal
   * data: they stay here only while the request is unfinished, and go with its entry.
   */
  readonly linked?: LinkedIds;
}

/** An entry of the journal that is not resumed (unreadable, damaged, or not an entry), and why. */
export type JournalReport = (name: string, problem: string) => void;

/**
 * A request is run by the instance that holds it. An instance holds what it added, and what it claimed;
 * a journal only this process reads lets it hold everything. A shared one lets one instance at a time
 * hold a request, and lets another take it once its holder stopped renewing the claim (it died).
 */
export interface EraseJournal {
  /** Where the entries are, for log lines and errors (a directory, a NATS KV bucket). */
  readonly where: string;
  /** Set when other instances share the journal: look for requests nobody holds this often. */
  readonly rescanMs?: number;
  /** Resolves once the entry is stored, complete and durable, held by this instance; else rejects. */
  add(entry: JournalEntry): Promise<void>;
  /**
   * Replaces the entry of a request this instance holds with `entry` (the same request, more recorded),
   * durably; rejects when it cannot, or when the entry is gone (the request finished elsewhere).
   */
  update(entry: JournalEntry): Promise<void>;
  /**
   * Takes the request of a listed entry for this instance, answering the entry as it stands now (an
   * instance that held it may have recorded more since the list was read); undefined when another holds
   * it, it is gone, or the claim cannot be made.
   */
  claim(listed: JournalEntry): Promise<JournalEntry | undefined>;
  /** Whether this instance still holds the request (a shared journal's claim can lapse). */
  holds(requestId: string): boolean;
  /** Lets another instance take the request at once (its run here ended unfinished). */
  release(requestId: string): Promise<void>;
  /** Removes the entry (an entry already gone is no error). */
  remove(requestId: string): Promise<void>;
  /**
   * Every readable entry, oldest first. An entry that cannot be read is reported and left in place (it
   * may be a request an operator can still repair). Rejects only when the journal cannot be listed.
   */
  entries(report: JournalReport): Promise<JournalEntry[]>;
  /** Releases what this instance holds and closes what the journal opened. */
  close(): Promise<void>;
}
