// Erasing a visitor/user (vid, uid or hashed email) from every table, and the status of erase requests. The
// table list comes from the schema catalog, so a new table with a vid/uid column is covered without touching
// this file. On a cluster the mutation must target the Replicated `X_local` tables ON CLUSTER: an
// ALTER … DELETE on the Distributed `X` fails (schema/README.md, ADR 0002). eraseStatements is pure; the
// repository runs them.
import { buildCatalog, type Catalog, mutationTarget } from '../../schema/index.ts';
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
export interface EraseRendering {
  readonly database: string;
  /** Cluster name: target `<db>.<t>_local ON CLUSTER '<cluster>'`. Absent: single node. */
  readonly cluster?: string;
}

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

function predicate(cols: Set<string>, t: EraseTarget, table: string): string | undefined {
  const or: string[] = [];
  if (t.vid !== undefined && cols.has('vid')) or.push('vid = {vid:UUID}');
  if (t.uid !== undefined && cols.has('uid')) or.push('uid = {uid:UUID}');
  if (table === 'ltv') {
    if (t.vid !== undefined) or.push("(id_type = 'vid' AND id = {vid:UUID})");
    if (t.uid !== undefined) or.push("(id_type = 'uid' AND id = {uid:UUID})");
  }
  if (t.ehash !== undefined && table === 'events') or.push('toString(params.ehash) = {ehash:String}');
  if (or.length === 0) return undefined;
  const scope = t.oid !== undefined && cols.has('oid') ? ' AND oid = {oid:UUID}' : '';
  return `(${or.join(' OR ')})${scope}`;
}

/**
 * One `ALTER TABLE … DELETE` per table holding the target's ids. mutations_sync waits for the mutation:
 * on this server (1), or on every replica (2) so the request's status means erased everywhere.
 */
export function eraseStatements(
  target: EraseTarget,
  rendering: EraseRendering,
  catalog: Catalog = buildCatalog(),
): EraseStatement[] {
  const params: Record<string, unknown> = {};
  for (const k of ['vid', 'uid', 'ehash', 'oid'] as const) if (target[k] !== undefined) params[k] = target[k];
  const sync = rendering.cluster === undefined ? 1 : 2;
  const out: EraseStatement[] = [];
  for (const info of catalog.values()) {
    const where = predicate(new Set(info.columns.map((c) => c.name)), target, info.name);
    if (where === undefined) continue;
    const table = mutationTarget(info.name, rendering);
    const sql = `ALTER TABLE ${table} DELETE WHERE ${where} SETTINGS mutations_sync = ${sync}`;
    out.push({ table: info.name, sql, params });
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
