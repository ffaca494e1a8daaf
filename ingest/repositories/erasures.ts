// Erasing a visitor/user (vid, uid or hashed email) from every table, and the status of erase requests. The
// table list comes from the schema catalog, so a new table with a vid/uid column is covered without touching
// this file. Which rows are the visitor's, and how a mutation targets each rendering (on a cluster the
// `X_local` tables ON CLUSTER), is schema/mutations.ts, shared with `tracker prune`. eraseStatements is
// pure; the repository runs them.
import {
  buildCatalog,
  type Catalog,
  deleteMutation,
  type Rendering,
  visitorParams,
  visitorPredicate,
} from '../../schema/index.ts';
import type { Store } from '../../store/index.ts';
import type { Config } from '../config.ts';

export interface EraseTarget {
  readonly vid?: string;
  readonly uid?: string;
  readonly ehash?: string;
  /** Restrict to one org (API-key callers); self-service erasure covers every org. */
  readonly oid?: string;
}

/** Which schema rendering the statements target (schema/render.ts). */
export type EraseRendering = Rendering;

/** The rendering of the configured store: a cluster only for a clickhouse store with store.cluster. */
export function eraseRendering(store: Config['store']): EraseRendering {
  const cluster = store.kind === 'clickhouse' ? store.cluster : undefined;
  return cluster === undefined ? { database: store.database } : { database: store.database, cluster };
}

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

export async function runErase(store: Store, statements: readonly EraseStatement[]): Promise<string[]> {
  const failed: string[] = [];
  for (const s of statements) {
    try {
      await store.command(s.sql, s.params);
    } catch {
      failed.push(s.table);
    }
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

export function erasureRepository(store: Store, rendering: EraseRendering): ErasureRepository {
  return {
    plan: (target) => eraseStatements(target, rendering),
    run: (statements) => runErase(store, statements),
    async status(requestId) {
      const rows = await store.query<ErasureStatus>(
        'SELECT status, detail FROM erasures FINAL WHERE request_id = {id:UUID}',
        { id: requestId },
      );
      return rows[0];
    },
  };
}
