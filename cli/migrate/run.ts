// Applies the schema to one store: the migrations not yet recorded (ON CLUSTER from this server with a
// cluster rendering), then the rollup rules where they differ, then the configured retention on tables
// made with another one (a cluster's on its X_local tables, ON CLUSTER). Every step is idempotent: a second run reads
// and writes nothing new.
import {
  applyMigrations,
  applyRetention,
  ensureRollupSettings,
  type Rendering,
  type Retention,
  type RetentionChange,
  type RollupRules,
} from '../../schema/index.ts';
import type { SqlRunner } from '../../store/index.ts';
import { type MigratePlan, planMigrate } from './plan.ts';

export interface MigrateRequest {
  readonly rendering: Rendering;
  readonly retention: Retention;
  readonly rollups: RollupRules;
  readonly dryRun: boolean;
}

export interface MigrateReport {
  readonly rendering: Rendering;
  /** The server migrated, when it is one of several that each hold their own tables (store.hostUrls). */
  readonly host?: string;
  readonly dryRun: boolean;
  /** The dry run: what would be applied. Else what was applied. */
  readonly migrations: readonly number[];
  readonly rollups: readonly string[];
  readonly retention: readonly RetentionChange[];
  /** The highest migration version now recorded (dry run: the one the schema would be at). */
  readonly version: number;
  /** Only in a dry run: the database does not exist yet and would be created. */
  readonly createsDatabase?: boolean;
}

export async function runMigrate(sql: SqlRunner, request: MigrateRequest): Promise<MigrateReport> {
  const { rendering, retention, rollups, dryRun } = request;
  if (dryRun) {
    const plan = await planMigrate(sql, { rendering, retention, rollups });
    return dryRunReport(rendering, plan);
  }
  const migrated = await applyMigrations(sql, { ...rendering, retention });
  const written = await ensureRollupSettings(sql, rendering.database, rollups);
  const changed = await applyRetention(sql, { ...rendering, retention });
  return {
    rendering,
    dryRun,
    migrations: migrated.applied,
    rollups: written,
    retention: changed,
    version: migrated.version,
  };
}

function dryRunReport(rendering: Rendering, plan: MigratePlan): MigrateReport {
  return {
    rendering,
    dryRun: true,
    migrations: plan.pending,
    rollups: plan.rollups,
    retention: plan.retention,
    version: plan.latest,
    ...(plan.databaseExists ? {} : { createsDatabase: true }),
  };
}

/** Whether the report names anything applied (or, in a dry run, to apply). */
export const changedAnything = (r: MigrateReport): boolean =>
  r.migrations.length + r.rollups.length + r.retention.length > 0 || r.createsDatabase === true;
