// Erase requests: the journal that keeps an accepted request until it is finished (journal.ts: files on
// the disk spool, a KV bucket on the JetStream spool) and the worker that runs requests, new and resumed,
// to their final status (worker.ts: its steps in erase-steps.ts, its look at the journal in journal-scan.ts).
export {
  ERASE_STATUSES,
  type EraseJournal,
  type EraseStatus,
  type JournalEntry,
  type JournalReport,
} from './contract.ts';
export { type FileJournal, openFileJournal } from './file-journal.ts';
export { ERASURE_JOURNAL_DIR, openEraseJournal } from './journal.ts';
export { createEraseWorker } from './worker.ts';
export {
  DEFAULT_TIMING,
  type EraseLog,
  type EraseTiming,
  type EraseWorker,
  type EraseWorkerDeps,
} from './worker-api.ts';
