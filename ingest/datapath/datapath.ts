// createDataPath: validation → durable spool → per-table queues → delivery to the store.
//
//   append(table, rows) ─ validate ─ spool.append (fsync) ─ ack
//                                        │
//                     TableQueue (strategy) ─ take batch (durable boundary) ─ deliver (breaker,
//                     retries, poison isolation, dead letters) ─ commit ─ segments deleted
// This file builds one: migrations at start, the spool, then the rows a previous run left are stored.
// The pipeline itself is pipeline.ts, what it is given options.ts, waiting until rows are stored settle.ts.
import { applyMigrations, applyRetention, retentionNotice } from '../../schema/index.ts';
import { createStore, EmbeddedStore, type Store } from '../../store/index.ts';
import { systemClock } from './clock.ts';
import type { DataPath } from './contract.ts';
import { createMetrics } from './metrics.ts';
import { migrationNotice, pendingRows } from './notices.ts';
import type { DataPathConfig, DataPathOptions } from './options.ts';
import { Pipeline } from './pipeline.ts';
import { openSpool } from './spool/open.ts';

// Named here too: the rest of the data path and its tests import them with createDataPath.
export type { DataPathConfig, DataPathOptions } from './options.ts';

export async function createDataPath(config: DataPathConfig, opts: DataPathOptions = {}): Promise<DataPath> {
  const clock = opts.clock ?? systemClock;
  const store = opts.store ?? (await createStore(config.store));
  reportTornInserts(store, opts.onError);
  if (opts.migrate ?? config.store.kind === 'embedded') {
    const cluster = config.store.kind === 'clickhouse' ? config.store.cluster : undefined;
    const { retention, rollups } = config;
    const migrated = await applyMigrations(store, {
      database: config.store.database,
      cluster,
      retention,
      ...(rollups === undefined ? {} : { rollups }),
    });
    const said = migrationNotice(migrated);
    if (said !== undefined) opts.onNotice?.(said);
    // a retention set or changed after the tables were created (on a cluster: the operator's tables)
    if (cluster === undefined) {
      const changed = retentionNotice(
        await applyRetention(store, { database: config.store.database, retention }),
      );
      if (changed !== undefined) opts.onNotice?.(changed);
    }
  }
  const metrics = createMetrics(opts.registry);
  const spool = await openSpool(
    config.spool,
    () => clock.now(),
    (s) => metrics.spoolSyncSeconds.observe(s),
  );
  const path = new Pipeline(config, { ...opts, clock, store, spool, metrics });
  // Rows recovered from a previous run are delivered at once, whatever the table's strategy: they have
  // waited a restart already, and recovered() (the client-eid window) waits for them.
  const opened = clock.now();
  const left = pendingRows(spool);
  if (left !== undefined)
    opts.onNotice?.(`spool: ${left} acknowledged before this start and not yet stored; storing them now`);
  for (const table of spool.tables()) await path.queue(table).then((q) => q.flushBy(opened));
  return path;
}

/** Said once at start: a killed run left inserts half-committed; the spool's replay now stores them. */
function reportTornInserts(store: Store, onError: ((err: unknown) => void) | undefined): void {
  if (!(store instanceof EmbeddedStore) || store.tornInserts.length === 0) return;
  const parts = store.tornInserts.map((t) => `${t.table} ${t.part}`).join(', ');
  onError?.(
    new Error(
      `the previous run was killed while the embedded engine committed ${parts}: its deduplication records of them were dropped, so the batches the spool replays are stored`,
    ),
  );
}
