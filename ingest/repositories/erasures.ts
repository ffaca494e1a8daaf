// Erasing a visitor/user (vid, uid or hashed email) from every table, and the status of erase requests. The
// table list comes from the schema catalog, so a new table with a vid/uid column is covered without touching
// this file. Which rows are the visitor's, and how a mutation targets each rendering (on a cluster the
// `X_local` tables ON CLUSTER), is schema/mutations.ts, shared with `tracker prune`. eraseStatements is
// pure; the repository runs them, on the store, or on every server of store.hostUrls: servers that each
// hold their own single-node tables share nothing, so a mutation run on one leaves the others' rows.
import {
  buildCatalog,
  type Catalog,
  deleteMutation,
  type Rendering,
  visitorParams,
  visitorPredicate,
} from '../../schema/index.ts';
import { ClickHouseStore, type SqlRunner, type Store } from '../../store/index.ts';
import { type Config, storeRendering } from '../config.ts';

export interface EraseTarget {
  readonly vid?: string;
  readonly uid?: string;
  readonly ehash?: string;
  /** Restrict to one org (API-key callers); self-service erasure covers every org. */
  readonly oid?: string;
}

/** Which schema rendering the statements target (schema/render.ts). */
export type EraseRendering = Rendering;

export interface EraseStatement {
  readonly table: string;
  readonly sql: string;
  readonly params: Record<string, unknown>;
}

const one = (id: string | undefined): string[] | undefined => (id === undefined ? undefined : [id]);

/** One `ALTER TABLE … DELETE` per table holding the target's ids, waiting until it is done everywhere. */
export function eraseStatements(
  target: EraseTarget,
  rendering: EraseRendering,
  catalog: Catalog = buildCatalog(),
): EraseStatement[] {
  const ids = {
    vids: one(target.vid),
    uids: one(target.uid),
    ehashes: one(target.ehash),
    ...(target.oid === undefined ? {} : { oid: target.oid }),
  };
  const params = visitorParams(ids);
  const out: EraseStatement[] = [];
  for (const info of catalog.values()) {
    const where = visitorPredicate(info, ids);
    if (where === undefined) continue;
    out.push({ table: info.name, sql: deleteMutation(info.name, where, rendering), params });
  }
  return out;
}

/** The servers one erase runs on, opened for the run and closed after it. */
export type EraseHosts = () => { readonly runners: readonly SqlRunner[]; close(): Promise<void> };

/** The store itself, or (store.hostUrls) a client per server, each like the store's but for its URL. */
export function eraseHosts(store: Store, config: Config['store']): EraseHosts {
  const urls = config.kind === 'clickhouse' ? config.hostUrls : undefined;
  if (urls === undefined) return () => ({ runners: [store], close: async () => {} });
  return () => {
    const stores = urls.map((url) => new ClickHouseStore({ ...config, url }));
    return { runners: stores, close: async () => void (await Promise.all(stores.map((s) => s.close()))) };
  };
}

/** Runs every statement on every server; answers the tables whose statement failed on any of them. */
export async function runErase(
  runners: readonly SqlRunner[],
  statements: readonly EraseStatement[],
): Promise<string[]> {
  const failed: string[] = [];
  for (const s of statements) {
    const results = await Promise.allSettled(runners.map((r) => r.command(s.sql, s.params)));
    if (results.some((r) => r.status === 'rejected')) failed.push(s.table);
  }
  return failed;
}

export interface ErasureStatus {
  readonly status: string;
  readonly detail: string;
}

export interface ErasureRepository {
  /** The statements erasing the target from every table holding one of its ids. */
  plan(target: EraseTarget): EraseStatement[];
  /** Runs them all; answers the tables whose statement failed. */
  run(statements: readonly EraseStatement[]): Promise<string[]>;
  /** The recorded status of an erase request (written through the data path as `erasures` rows). */
  status(requestId: string): Promise<ErasureStatus | undefined>;
}

/** Erasure on `store`, as the configured store renders the schema and on each of its servers. */
export function erasureRepository(store: Store, config: Config['store']): ErasureRepository {
  const rendering = storeRendering(config);
  const hosts = eraseHosts(store, config);
  return {
    plan: (target) => eraseStatements(target, rendering),
    async run(statements) {
      const { runners, close } = hosts();
      try {
        return await runErase(runners, statements);
      } finally {
        await close();
      }
    },
    async status(requestId) {
      const rows = await store.query<ErasureStatus>(
        'SELECT status, detail FROM erasures FINAL WHERE request_id = {id:UUID}',
        { id: requestId },
      );
      return rows[0];
    },
  };
}
