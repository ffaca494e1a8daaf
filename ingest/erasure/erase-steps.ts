// The steps of one erase request's pass, each over the worker's dependencies and nothing of its state:
// the tables it plans, the lookup of the ids linked to the person (recorded in the journal before any
// delete runs on them), the destinations' part, the per-table deletes and the rewrite of the data path's
// dead letters. Each answers what failed by name, for the worker's retry and status to say.
import { namesPerson } from '../privacy/erased-ids.ts';
import { ANY_IPS, ANY_LINKS, type LinkedIds, NO_LINKS } from '../repositories/index.ts';
import type { JournalEntry } from './contract.ts';
import type { EraseWorkerDeps } from './worker-api.ts';

/** How a failure of the destinations' part is named where a failed table would be. */
export const FORWARDING = 'destination backlogs';
/** How a failed rewrite of the data path's dead letters is named where a failed table would be. */
const DEAD_LETTERS = 'data path dead letters';
/** How a failed lookup of the linked ids is named (it reads events). */
const LOOKUP = 'events';
/** How a failed recording of the linked ids in the journal is named. */
const JOURNAL = 'erasure journal';

/** The tables the request's deletes may touch (what its answer lists, and what settles before them). */
export function plannedTables(deps: EraseWorkerDeps, entry: JournalEntry): string[] {
  const { ehash, uid } = entry.target;
  const links = ehash === undefined && uid === undefined ? ANY_IPS : ANY_LINKS;
  return deps.repository.plan(entry.target, links).map((s) => s.table);
}

/**
 * The ids linked to the request, and the IPs of the person's events: those recorded `before`, and those
 * events hold now. Anything new is recorded in the journal entry before it is answered (no delete runs
 * on ids a stop would forget); otherwise what failed, the lookup or the recording.
 */
export async function readLinks(
  deps: EraseWorkerDeps,
  entry: JournalEntry,
  before: LinkedIds = NO_LINKS,
): Promise<LinkedIds | typeof LOOKUP | typeof JOURNAL> {
  const { journal, log, repository } = deps;
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
  return linked;
}

/**
 * The destinations' part, first with the ids the request names and those already known linked (it
 * needs no store, and every moment a backlog may send counts; a mark is replaced, so a retry or a
 * resumed run must not shrink it to the named ids), then again with those linked to them, once read.
 */
export async function stopForwarding(
  deps: EraseWorkerDeps,
  entry: JournalEntry,
  linked?: LinkedIds,
): Promise<boolean> {
  const { forwarding, log } = deps;
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
async function eraseDeadLetters(deps: EraseWorkerDeps, entry: JournalEntry, linked: LinkedIds) {
  const { eraseDeadLetters, log } = deps;
  try {
    const removed = await eraseDeadLetters((row) => namesPerson(entry.target, row, linked));
    // the count only: a line naming the person would keep their id in the logs
    if (removed > 0)
      log('info', `erase request ${entry.requestId}: ${removed} data path dead letters removed`);
    return true;
  } catch (err) {
    log('warn', `erase request ${entry.requestId}: the data path's dead letters could not be rewritten`, err);
    return false;
  }
}

/**
 * One pass's erasure over the ids `linked` (read by readLinks): the linked ids' queued events dropped by
 * the destinations (they are the person's too, and go before `done`), the delete on every table, then the
 * rewrite of the data path's dead letters; answers what failed (tables, FORWARDING, DEAD_LETTERS).
 */
export async function eraseLinked(
  deps: EraseWorkerDeps,
  entry: JournalEntry,
  linked: LinkedIds,
): Promise<string[]> {
  const { repository } = deps;
  const forwarded =
    linked.vids.length + linked.uids.length === 0 || (await stopForwarding(deps, entry, linked));
  const deleted = await repository.run(repository.plan(entry.target, linked));
  const failed = forwarded ? deleted : [...deleted, FORWARDING];
  return (await eraseDeadLetters(deps, entry, linked)) ? failed : [...failed, DEAD_LETTERS];
}
