// Erase requests: the journal that keeps an accepted request until it is finished (journal.ts) and the
// worker that runs requests, new and resumed, to their final status (worker.ts).
export { type EraseJournal, type JournalEntry, openEraseJournal } from './journal.ts';
export {
  createEraseWorker,
  DEFAULT_TIMING,
  type EraseLog,
  type EraseTiming,
  type EraseWorker,
  type EraseWorkerDeps,
} from './worker.ts';
