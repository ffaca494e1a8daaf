// The validated ingest configuration's type, and the views derived from it that callers share (whether the
// SQL endpoint runs, the schema rendering mutations target): kept apart from loading, which needs the
// checks, so that those checks can read the same views.
import type { IngestConfig } from '../common/config/ingest.ts';
import type { Rendering } from '../schema/index.ts';

/** The validated configuration with every section present (defaults applied). Optional leaves stay optional. */
export type Config = {
  readonly [K in keyof IngestConfig]-?: Readonly<NonNullable<IngestConfig[K]>>;
};

/**
 * The schema rendering of the configured store, which mutations (erasure, tracker prune) target: the
 * cluster one only for a clickhouse store with store.cluster, else the single-node one (on each server of
 * store.hostUrls).
 */
export function storeRendering(store: Config['store']): Rendering {
  const cluster = store.kind === 'clickhouse' ? store.cluster : undefined;
  return cluster === undefined ? { database: store.database } : { database: store.database, cluster };
}

/** Whether the read-only SQL endpoint runs: on by default with the embedded store, which nothing else can read. */
export const sqlEnabled = (c: Config): boolean => c.store.kind === 'embedded' && c.sql.enabled !== false;
