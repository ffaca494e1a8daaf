// Erase a visitor/user everywhere (SPEC 3.1/3.3, seed bug 27 had no erase at all). The table list comes
// from the schema catalog, so a new table with a vid/uid column is covered without touching this file.
// Rows still in flight in the spool when the first pass runs are caught by a second pass after the
// longest batching delay.
import { buildCatalog, type Catalog } from '../../../schema/index.ts';
import type { Store } from '../../datapath/contract.ts';

export interface EraseTarget {
  readonly vid?: string;
  readonly uid?: string;
  readonly ehash?: string;
  /** Restrict to one org (API-key callers); self-service erasure covers every org. */
  readonly oid?: string;
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

export function eraseStatements(target: EraseTarget, catalog: Catalog = buildCatalog()): EraseStatement[] {
  const params: Record<string, unknown> = {};
  for (const k of ['vid', 'uid', 'ehash', 'oid'] as const) if (target[k] !== undefined) params[k] = target[k];
  const out: EraseStatement[] = [];
  for (const info of catalog.values()) {
    const where = predicate(new Set(info.columns.map((c) => c.name)), target, info.name);
    if (where !== undefined) {
      out.push({ table: info.name, sql: `ALTER TABLE ${info.name} DELETE WHERE ${where}`, params });
    }
  }
  return out;
}

export async function runErase(store: Store, statements: readonly EraseStatement[]): Promise<string[]> {
  const failed: string[] = [];
  for (const s of statements) {
    try {
      await store.command(`${s.sql} SETTINGS mutations_sync = 1`, s.params);
    } catch {
      failed.push(s.table);
    }
  }
  return failed;
}
