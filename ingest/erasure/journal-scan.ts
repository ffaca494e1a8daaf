// A look at the erase journal for the requests this instance can run: those a previous run of the process
// (or, on a journal other instances share, another instance) left unfinished. Each one claimed is handed
// to the worker with whether a status is stored for it.
import type { JournalEntry } from './contract.ts';
import type { EraseWorkerDeps } from './worker-api.ts';

/** What a scan asks of the worker. */
export interface ScanTarget {
  readonly stopped: () => boolean;
  /** Whether this process already runs the request (it is not claimed again). */
  readonly running: (requestId: string) => boolean;
  /** Starts a claimed request; `stored` says whether a status for it could be read from the store. */
  readonly adopt: (entry: JournalEntry, stored: boolean) => Promise<void>;
}

/** Claims and hands over every journaled request this instance does not run; never rejects on the journal. */
export async function claimJournal(deps: EraseWorkerDeps, target: ScanTarget): Promise<void> {
  const { journal, log } = deps;
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
    if (target.stopped()) return;
    if (target.running(entry.requestId)) continue;
    const claimed = await journal.claim(entry);
    if (claimed === undefined) continue;
    // a request without a stored status (its pending record was refused while the process stopped)
    // gets one; a stored status is left as it is until this run records the next. When the status
    // cannot be read it is recorded pending too, and said: a request left with no status would answer
    // 404 until its run records one, a pending one only hides a stored status until then.
    const stored = await deps.repository.status(claimed.requestId).catch((err: unknown) => {
      log('warn', `erase request ${claimed.requestId}: status unreadable, recorded pending again`, err);
      return undefined;
    });
    await target.adopt(claimed, stored !== undefined);
    resumed++;
  }
  if (resumed > 0) log('info', `resuming ${resumed} erase request(s) from the journal`);
}
