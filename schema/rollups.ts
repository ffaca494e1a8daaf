// The rules of configurable rollups, as rows of rollup_settings (migration 0011), the table their
// materialized views read at every insert. Configuration reaches a view this way instead of being rendered
// into its SQL, so changing a rule is an INSERT here, not DDL on a view (ADR 0016).
import type { SqlRunner } from '../store/index.ts';

/** Which events impression_daily counts (the ingest configuration's rollups.impressionDaily). */
export interface ImpressionRules {
  /** Events whose etyp is one of these are impressions. */
  readonly impressionEtyps: readonly string[];
  /** Events whose ename is one of these are impressions too. */
  readonly impressionEnames: readonly string[];
  /** Events whose ename is one of these are conversions. */
  readonly conversionEnames: readonly string[];
}

export interface RollupRules {
  readonly impressionDaily: ImpressionRules;
}

export interface SettingRow {
  readonly name: string;
  readonly values: readonly string[];
}

/** The rows of rollup_settings for these rules; the names are the ones the views select. */
export function settingRows(rules: RollupRules): SettingRow[] {
  const r = rules.impressionDaily;
  return [
    { name: 'impression_daily.impression_etyps', values: r.impressionEtyps },
    { name: 'impression_daily.impression_enames', values: r.impressionEnames },
    { name: 'impression_daily.conversion_enames', values: r.conversionEnames },
  ];
}

const sameValues = (a: readonly string[] | undefined, b: readonly string[]): boolean =>
  a !== undefined && a.length === b.length && a.every((v, i) => v === b[i]);

/**
 * Writes the rows whose current values differ from the rules (nothing when they agree, so running it on
 * every start or reconcile costs one read). Answers the names it wrote.
 */
export async function ensureRollupSettings(
  sql: SqlRunner,
  database: string,
  rules: RollupRules,
): Promise<string[]> {
  const table = `\`${database}\`.rollup_settings`;
  const current = await sql.query<{ name: string; values: string[] }>(
    `SELECT name, argMax(values, updated_at) AS values FROM ${table} GROUP BY name`,
  );
  const byName = new Map(current.map((r) => [r.name, r.values]));
  const changed = settingRows(rules).filter((row) => !sameValues(byName.get(row.name), row.values));
  for (const row of changed) {
    // insert_deduplicate = 0: going back to earlier rules inserts a block a replicated table has seen
    // before, and deduplicating it would leave the later rules in force.
    const insert = `INSERT INTO ${table} (name, values) SETTINGS insert_deduplicate = 0 VALUES ({name:String}, {values:Array(String)})`;
    await sql.command(insert, {
      name: row.name,
      values: row.values,
    });
  }
  return changed.map((r) => r.name);
}
