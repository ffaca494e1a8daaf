// The retention the configuration names, applied to the tables that already exist. A table gets its TTL
// when it is created; a retention set or changed later (retention.defaultDays: 30 on a store that ran
// a month with the default, 0, which keeps for ever) used to change nothing: the rows were kept for ever,
// without a word. Whoever applies the schema (the ingest on a single node at start, the operator on its
// cluster once every replica is current) now makes each table's TTL the configured one: MODIFY TTL
// (ClickHouse then removes the rows already older in the background) or REMOVE TTL for 0, on the table
// that holds the rows (cluster rendering: X_local ON CLUSTER; the Distributed X has no storage).
// planRetention decides from what system.tables shows; applyRetention reads, plans and runs.
import type { SqlRunner } from '../store/index.ts';
import { buildCatalog, type Catalog } from './catalog.ts';
import { type Retention, retentionDays, ttlStatement } from './render.ts';

export interface RetentionChange {
  readonly table: string;
  /** Days the table kept before (0: for ever). */
  readonly from: number;
  /** Days it keeps now (0: for ever). */
  readonly to: number;
}

/** One table whose TTL differs from the configured retention, and the statement that aligns it. */
export interface RetentionStep extends RetentionChange {
  readonly statement: string;
}

/** A row of system.tables for the database. */
export interface StoredTable {
  readonly name: string;
  readonly engine_full: string;
}

export interface RetentionOptions {
  readonly database: string;
  /** The cluster rendering's cluster (remote_servers); absent: the single-node rendering. */
  readonly cluster?: string;
  readonly retention?: Retention;
}

/** The days of a table's TTL as ClickHouse shows it (`TTL toDateTime(c) + toIntervalDay(30)`), 0 without one. */
export function ttlDays(engineFull: string): number {
  const days = /\bTTL\b.*?toIntervalDay\((\d+)\)/.exec(engineFull)?.[1];
  return days === undefined ? 0 : Number(days);
}

/** The tables a rendering stores rows in, by their catalog name (cluster: X_local holds table X's rows). */
function storedAs(name: string, cluster: string | undefined): string | undefined {
  if (cluster === undefined) return name;
  return name.endsWith('_local') ? name.slice(0, -'_local'.length) : undefined;
}

/** What to change so every table with an age keeps what `retention` says (nothing when all do). */
export function planRetention(
  tables: readonly StoredTable[],
  opts: RetentionOptions,
  catalog: Catalog = buildCatalog(),
): RetentionStep[] {
  const steps: RetentionStep[] = [];
  for (const { name, engine_full } of tables) {
    const table = storedAs(name, opts.cluster);
    const column = table === undefined ? undefined : catalog.get(table)?.ageColumn;
    if (table === undefined || column === undefined) continue;
    const from = ttlDays(engine_full);
    const to = retentionDays(table, opts.retention);
    if (from === to) continue;
    steps.push({ table, from, to, statement: ttlStatement(table, column, to, opts) });
  }
  return steps.sort((a, b) => a.table.localeCompare(b.table));
}

/** What system.tables shows of the database's tables (the TTL is in `engine_full`). */
export function readStoredTables(store: SqlRunner, database: string): Promise<StoredTable[]> {
  return store.query<StoredTable>(
    'SELECT name, engine_full FROM system.tables WHERE database = {db:String}',
    { db: database },
  );
}

/**
 * A statement of a retention plan failed: `applied` are the changes made before it, which hold (each ALTER
 * stands on its own), so whoever reports what changed can still report them.
 */
export class RetentionError extends Error {
  readonly applied: readonly RetentionChange[];
  constructor(message: string, applied: readonly RetentionChange[], cause: unknown) {
    super(message, { cause });
    this.name = 'RetentionError';
    this.applied = applied;
  }
}

/** Runs a plan's statements in order; returns what changed, or throws a RetentionError that says so. */
export async function runRetention(
  store: SqlRunner,
  steps: readonly RetentionStep[],
): Promise<RetentionChange[]> {
  const changes: RetentionChange[] = [];
  for (const { statement, ...change } of steps) {
    try {
      await store.command(statement);
    } catch (err) {
      throw new RetentionError(`apply retention to ${change.table}: ${(err as Error).message}`, changes, err);
    }
    changes.push(change);
  }
  return changes;
}

/** Makes every existing table with an age keep what `retention` says; returns what changed. */
export async function applyRetention(
  store: SqlRunner,
  opts: RetentionOptions,
  catalog: Catalog = buildCatalog(),
): Promise<RetentionChange[]> {
  const tables = await readStoredTables(store, opts.database);
  return runRetention(store, planRetention(tables, opts, catalog));
}

const kept = (days: number) => (days === 0 ? 'for ever' : `${days} days`);

/** `events, logs keep rows 30 days (were kept for ever)`, one clause per change, `; ` between. */
export function retentionSummary(changes: readonly RetentionChange[]): string {
  const groups = new Map<string, string[]>();
  for (const c of changes) {
    const clause = `keep rows ${kept(c.to)} (were kept ${kept(c.from)})`;
    groups.set(clause, [...(groups.get(clause) ?? []), c.table]);
  }
  return [...groups].map(([clause, tables]) => `${tables.join(', ')} ${clause}`).join('; ');
}

/** `retention: events, logs keep rows 30 days (were kept for ever)`: the ingest's start line. */
export function retentionNotice(changes: readonly RetentionChange[]): string | undefined {
  return changes.length === 0 ? undefined : `retention: ${retentionSummary(changes)}`;
}
