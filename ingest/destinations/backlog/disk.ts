// A destination's backlog on disk (spool.kind disk): its own write-ahead log, the data path's disk spool
// reused through its contract (ADR 0019), in <destinations.dir>/<name>/backlog:
//   append = a Data record, group-committed and fsynced like any spooled row; full → not stored
//   next   = a batch cut from the head, its boundary durable first; after a crash the very same batch
//            is handed out again (at-least-once: the destination deduplicates by event id)
//   done   = commit: the batch's segments are deleted once nothing before them is pending
// fed.json remembers the last spool batch queued per table, so a batch the spool replays after a crash
// is not queued twice (losing that file only means a replay is queued again).
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openSpool, type SpoolBatch, type TableLog } from '../../datapath/index.ts';
import { isIngestError } from '../../errors.ts';
import type { Backlog, FedMark, TakeLimits, Taken } from '../contract.ts';

export interface DiskBacklogOptions {
  /** <destinations.dir>/<name> */
  readonly dir: string;
  readonly maxBytes: number;
  readonly fsyncIntervalMs: number;
}

const LOG = 'events';
/** Rows kept in memory per destination; beyond it they are read back from the log when sent. */
const MEMORY_BYTES = 4 * 1024 * 1024;

type Marks = Record<string, FedMark>;
type Slice = Taken & { readonly batch: SpoolBatch };

export async function openDiskBacklog(o: DiskBacklogOptions): Promise<Backlog> {
  const spool = await openSpool(
    {
      kind: 'disk',
      dir: join(o.dir, 'backlog'),
      maxBytes: o.maxBytes,
      segmentBytes: Math.max(65_536, Math.min(16_777_216, Math.floor(o.maxBytes / 8))),
      fsyncIntervalMs: o.fsyncIntervalMs,
      // Feeds append one at a time, each awaited: nothing ever queues behind a sync to gather.
      groupCommitMaxWaitMs: 0,
      // The spool's marks move past a batch once it is fed here: the backlog must be on disk by then.
      fsync: true,
      memoryBytes: MEMORY_BYTES,
      retryAfterSeconds: 1,
    },
    Date.now,
  );
  const log: TableLog = await spool.log(LOG);
  const markFile = join(o.dir, 'fed.json');
  let marks: Marks = JSON.parse(await readFile(markFile, 'utf8').catch(() => '{}')) as Marks;
  // Rows of slices handed out and not yet done: they still wait for the destination (a slice retried
  // against a dead one for hours is the backlog), so they count as pending, as their bytes do.
  let takenRows = 0;
  return {
    async append(lines, rows) {
      if (spool.bytes + lines.length > o.maxBytes)
        return { stored: false, full: true, reason: `backlog full (${o.maxBytes} bytes)` };
      try {
        await log.append(lines, rows);
        return { stored: true };
      } catch (err) {
        // The log refuses with OVERLOADED when full or unwritable; anything else is a bug worth a throw.
        if (!isIngestError(err)) throw err;
        return { stored: false, full: /full/.test(err.message), reason: err.message };
      }
    },
    async next(limits: TakeLimits) {
      const batch = await log.take(limits);
      if (batch === undefined) return undefined;
      const slice = { lines: await batch.lines(), rows: batch.rows, batch } as Slice;
      takenRows += slice.rows;
      return slice;
    },
    async done(taken) {
      await log.commit((taken as Slice).batch);
      takenRows -= taken.rows;
    },
    keepAlive: () => undefined,
    fed: async (table) => marks[table],
    async markFed(table, mark) {
      marks = { ...marks, [table]: mark };
      await writeFile(`${markFile}.tmp`, JSON.stringify(marks));
      await rename(`${markFile}.tmp`, markFile);
    },
    pending: async () => ({ rows: log.pending.rows + takenRows, bytes: spool.bytes }),
    close: () => spool.close(),
  };
}
