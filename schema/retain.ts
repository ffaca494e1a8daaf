// The retention the configuration names, applied to the tables that already exist. A table gets its TTL
// when it is created; a retention set or changed later (retention.defaultDays: 30 on a store that ran
// a month with the default, 0, which keeps for ever) used to change nothing: the rows were kept for ever,
// without a word. On a single node (the embedded engine) the start now makes each table's TTL the
// configured one: MODIFY TTL (ClickHouse then removes the rows already older in the background) or
// REMOVE TTL for 0. A cluster's tables are the operator's (ADR 0017: `tracker prune`).
import type { SqlRunner } from '../store/index.ts';
import { buildCatalog, type Catalog } from './catalog.ts';
import { type Retention, retentionDays } from './render.ts';

export interface RetentionChange {
  readonly table: string;
  /** Days the table kept before (0: for ever). */
  readonly from: number;
  /** Days it keeps now (0: for ever). */
  readonly to: number;
}

/** The days of a table's TTL as ClickHouse shows it (`TTL toDateTime(c) + toIntervalDay(30)`), 0 without one. */
export function ttlDays(engineFull: string): number {
  const days = /\bTTL\b.*?toIntervalDay\((\d+)\)/.exec(engineFull)?.[1];
  return days === undefined ? 0 : Number(days);
}

/** Makes every existing table with an age keep what `retention` says; returns what changed. */
export async function applyRetention(
  store: SqlRunner,
  opts: { readonly database: string; readonly retention?: Retention },
  catalog: Catalog = buildCatalog(),
): Promise<RetentionChange[]> {
  const rows = await store.query<{ name: string; engine_full: string }>(
    'SELECT name, engine_full FROM system.tables WHERE database = {db:String}',
    { db: opts.database },
  );
  const changes: RetentionChange[] = [];
  for (const { name, engine_full } of rows) {
    const column = catalog.get(name)?.ageColumn;
    if (column === undefined) continue;
    const from = ttlDays(engine_full);
    const to = retentionDays(name, opts.retention);
    if (from === to) continue;
    const target = `\`${opts.database}\`.\`${name}\``;
    await store.command(
      to > 0
        ? `ALTER TABLE ${target} MODIFY TTL toDateTime(${column}) + INTERVAL ${to} DAY`
        : `ALTER TABLE ${target} REMOVE TTL`,
    );
    changes.push({ table: name, from, to });
  }
  return changes;
}

const kept = (days: number) => (days === 0 ? 'for ever' : `${days} days`);

/** `retention: events, logs keep rows 30 days (were kept for ever)`, one clause per change. */
export function retentionNotice(changes: readonly RetentionChange[]): string | undefined {
  if (changes.length === 0) return undefined;
  const groups = new Map<string, string[]>();
  for (const c of changes) {
    const clause = `keep rows ${kept(c.to)} (were kept ${kept(c.from)})`;
    groups.set(clause, [...(groups.get(clause) ?? []), c.table]);
  }
  return `retention: ${[...groups].map(([clause, tables]) => `${tables.join(', ')} ${clause}`).join('; ')}`;
}
