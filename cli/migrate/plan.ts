// What `tracker migrate --dry-run` reads, and writes nothing: the migrations the database has not
// recorded, the rollup rules that differ from the configuration's, and the tables whose TTL differs
// from the configured retention. A database that does not exist yet has everything pending.
import {
  loadMigrations,
  planRetention,
  type Rendering,
  type Retention,
  type RetentionChange,
  type RollupRules,
  readStoredTables,
  type StoredTable,
  settingRows,
} from '../../schema/index.ts';
import type { SqlRunner } from '../../store/index.ts';
import { isUnknownDatabase } from './errors.ts';

export interface MigratePlan {
  readonly databaseExists: boolean;
  /** The highest migration version this installation carries. */
  readonly latest: number;
  /** Versions not recorded in schema_migrations, in order. */
  readonly pending: readonly number[];
  /** rollup_settings rows whose values differ from the configuration's. */
  readonly rollups: readonly string[];
  /** Tables that exist with another TTL than the configured retention (cluster: their X_local storage). */
  readonly retention: readonly RetentionChange[];
}

export interface PlanOptions {
  readonly rendering: Rendering;
  readonly retention: Retention;
  readonly rollups: RollupRules;
}

export async function planMigrate(sql: SqlRunner, opts: PlanOptions): Promise<MigratePlan> {
  const { database } = opts.rendering;
  const all = loadMigrations().map((m) => m.version);
  const latest = Math.max(0, ...all);
  const everything = { databaseExists: false, latest, pending: all, retention: [] };
  let tables: StoredTable[];
  try {
    tables = await readStoredTables(sql, database);
  } catch (err) {
    // the connection is bound to the database: ClickHouse refuses any statement while it is missing
    if (isUnknownDatabase(err)) return { ...everything, rollups: settingNames(opts.rollups) };
    throw err;
  }
  const names = new Set(tables.map((t) => t.name));
  const recorded = names.has('schema_migrations') ? await recordedVersions(sql, database) : new Set();
  return {
    databaseExists: true,
    latest,
    pending: all.filter((v) => !recorded.has(v)),
    rollups: names.has('rollup_settings')
      ? await differingRules(sql, database, opts.rollups)
      : settingNames(opts.rollups),
    // what applyRetention would change: its own plan, without the ALTERs
    retention: planRetention(tables, { ...opts.rendering, retention: opts.retention }).map(
      ({ table, from, to }) => ({ table, from, to }),
    ),
  };
}

const settingNames = (rules: RollupRules) => settingRows(rules).map((r) => r.name);

async function recordedVersions(sql: SqlRunner, database: string): Promise<Set<number>> {
  const rows = await sql.query<{ version: number | string }>(
    `SELECT DISTINCT version FROM \`${database}\`.schema_migrations`,
  );
  return new Set(rows.map((r) => Number(r.version)));
}

async function differingRules(sql: SqlRunner, database: string, rules: RollupRules): Promise<string[]> {
  const current = await sql.query<{ name: string; values: string[] }>(
    `SELECT name, argMax(values, updated_at) AS values FROM \`${database}\`.rollup_settings GROUP BY name`,
  );
  const byName = new Map(current.map((r) => [r.name, r.values]));
  return settingRows(rules)
    .filter((row) => JSON.stringify(byName.get(row.name)) !== JSON.stringify(row.values))
    .map((row) => row.name);
}
