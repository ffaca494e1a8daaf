// Waiting until what was acknowledged is stored (DataPath.settled): the pending rows of the asked tables are
// flushed now, then waited for until they have left the spool and the deliveries holding them have ended.
// On a spool shared by instances, what the others acknowledged is adopted first. Apart from the pipeline
// because it is its own concern (an erasure and tests wait on it); no append goes through it.
import type { Catalog } from '../../schema/index.ts';
import { IngestError } from '../errors.ts';
import type { TableQueue } from './batching/table-queue.ts';
import type { Clock } from './clock.ts';
import type { OpenedSpool } from './spool/open.ts';

/** How often settled() looks at the tables' oldest pending rows. */
const SETTLE_CHECK_MS = 100;

/** What of the pipeline settling reads: its spool, queues and deliveries in flight. */
export interface SettleScope {
  readonly spool: OpenedSpool;
  readonly clock: Clock;
  readonly catalog: Catalog;
  /** The queues already opened. */
  readonly openQueues: ReadonlyMap<string, TableQueue>;
  /** Per table: the deliveries of batches cut from the spool and not yet in the store. */
  readonly deliveries: ReadonlyMap<string, ReadonlySet<Promise<void>>>;
  readonly draining: () => boolean;
  /** The table's queue, opened if it is not yet. */
  readonly queue: (table: string) => Promise<TableQueue>;
  readonly onError: ((err: unknown) => void) | undefined;
}

export async function waitSettled(scope: SettleScope, tables?: readonly string[]): Promise<void> {
  await adoptShared(scope, tables ?? scope.spool.tables());
  const since = scope.clock.now();
  const asked = (table: string) => tables === undefined || tables.includes(table);
  // waited for now, not after the strategy's delay (a size table below its threshold: never)
  for (const table of scope.spool.tables()) if (asked(table)) scope.openQueues.get(table)?.flushBy(since);
  // First every row appended by then leaves the spool's pending rows (a take cuts them into a batch);
  // then the batches in flight at that moment, which hold whatever of them is not stored yet, end.
  // Each look starts a task of its own: a batch whose take has returned is then already in delivery.
  let inFlight: Promise<void>[] | undefined;
  for (let wait = 0; inFlight === undefined; wait = SETTLE_CHECK_MS) {
    // a commit has no event to wait on; what is looked at is cheap (a field per table)
    await new Promise<void>((resolve) => scope.clock.setTimeout(resolve, wait));
    // once draining, what the spool still holds is the next start's, and its logs close
    if (scope.draining()) throw new IngestError('NOT_READY');
    if (noPendingSince(scope, since, asked))
      inFlight = [...scope.deliveries].filter(([table]) => asked(table)).flatMap(([, d]) => [...d]);
  }
  const ended = await Promise.allSettled(inFlight);
  // a delivery ends unsuccessfully only when it is aborted: the data path is draining
  if (ended.some((e) => e.status === 'rejected')) throw new IngestError('NOT_READY');
}

/**
 * On a spool shared by instances, what the others acknowledged in `tables` becomes pending here too, so
 * settled() waits for it and this instance delivers it if they have not. NATS away: tried again until it
 * is back (settled() waits), or until the data path drains.
 */
async function adoptShared(scope: SettleScope, tables: readonly string[]): Promise<void> {
  if (scope.spool.kind !== 'nats') return;
  // a table a materialized view fills (an erasure names them too) is never in the spool
  const spooled = tables.filter((t) => scope.catalog.get(t)?.derived === false);
  const adopt = async (table: string) => {
    await scope.queue(table);
    await (await scope.spool.log(table)).adoptShared?.();
  };
  for (let wait = 0; ; wait = SETTLE_CHECK_MS * 10) {
    await new Promise<void>((resolve) => scope.clock.setTimeout(resolve, wait));
    if (scope.draining()) throw new IngestError('NOT_READY');
    const failed = (await Promise.allSettled(spooled.map(adopt))).find((r) => r.status === 'rejected');
    if (failed === undefined) return;
    if (wait === 0) scope.onError?.(failed.reason);
  }
}

/** No table holds a pending row appended at or before `since` (the spool stamps appends with our clock). */
function noPendingSince(scope: SettleScope, since: number, asked: (table: string) => boolean): boolean {
  for (const table of scope.spool.tables()) {
    if (!asked(table)) continue;
    const pending = scope.spool.peek(table)?.pending;
    if (pending === undefined || pending.rows === 0) continue;
    if (pending.oldestAt === undefined || pending.oldestAt <= since) return false;
  }
  return true;
}
