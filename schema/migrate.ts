// The migration runner, shared by the ingest (embedded engine at start-up) and the operator (cluster).
// Applying is idempotent: a version recorded in schema_migrations with the same checksum is skipped,
// and every statement is IF NOT EXISTS, so a run interrupted half-way can simply run again.
import type { SqlRunner } from '../store/index.ts';
import {
  createDatabase,
  loadMigrations,
  type Migration,
  migrationsTable,
  type RenderOptions,
  renderMigration,
} from './render.ts';
import { ensureRollupSettings, type RollupRules } from './rollups.ts';

export interface MigrateOptions extends RenderOptions {
  /** Defaults to schema/migrations. */
  readonly migrations?: readonly Migration[];
  /**
   * The rules configurable rollups count by, written to rollup_settings after the migrations when they
   * differ. Absent: the table is left as it is (callers pass the configuration's, which has the defaults).
   */
  readonly rollups?: RollupRules;
}

export interface MigrateResult {
  readonly applied: readonly number[];
  readonly skipped: readonly number[];
  /** The highest version now recorded (the TrackerCluster status reports it). */
  readonly version: number;
}

/**
 * The checksums databases recorded while a checksum covered the whole file, comments included (versions
 * 1 to 7 as they were then). Accepted for their version, so those databases migrate on unchanged.
 */
const WHOLE_FILE_CHECKSUMS: Readonly<Record<number, string>> = {
  1: '0b2581f8647e5ba91ad078d17e93bdd0f477dd82a071434c7c27d9a309ce3509',
  2: 'd68741984656d70b6b4e0140d6391d1e156f7b1ce2be5e28fbab37e781c31186',
  3: '9f05574e0a508fb2dd7d4f6f5b031ce9632ca342b8fddb4f972ad1a788f50530',
  4: '7fde4b3ed1a038387bfe3a4e1606a387c53501b29cb7a55df1c807bb9c620ad3',
  5: 'd024f32671878835b53d5ccc404b1993a1ae18d518d38f557a87ac2b53e4e014',
  6: '546658481caca75517c214ec2a80978bec7e28fb5de50648370a56592062e4e8',
  7: '9fa7878da24f686a9e306396399e912cfd8fa3f3c3657f8222190b2502439995',
};

const sameMigration = (m: Migration, recorded: string): boolean =>
  recorded === m.checksum || recorded === WHOLE_FILE_CHECKSUMS[m.version];

export async function applyMigrations(store: SqlRunner, opts: MigrateOptions): Promise<MigrateResult> {
  const migrations = opts.migrations ?? loadMigrations();
  await store.command(createDatabase(opts));
  await store.command(migrationsTable(opts));
  const recorded = await appliedVersions(store, opts.database);
  const applied: number[] = [];
  const skipped: number[] = [];
  for (const migration of migrations) {
    const checksum = recorded.get(migration.version);
    if (checksum !== undefined && sameMigration(migration, checksum)) {
      skipped.push(migration.version);
      continue;
    }
    if (checksum !== undefined) {
      throw new Error(
        `apply migration ${migration.name}: its checksum differs from the applied one; add a new migration instead of editing an applied one`,
      );
    }
    await applyOne(store, migration, opts);
    applied.push(migration.version);
  }
  if (opts.rollups !== undefined) await ensureRollupSettings(store, opts.database, opts.rollups);
  const version = Math.max(0, ...migrations.map((m) => m.version));
  return { applied, skipped, version };
}

async function applyOne(store: SqlRunner, migration: Migration, opts: RenderOptions): Promise<void> {
  for (const statement of renderMigration(migration, opts)) {
    try {
      await store.command(statement);
    } catch (err) {
      throw new Error(`apply migration ${migration.name}: ${(err as Error).message}`, { cause: err });
    }
  }
  // Names and checksums are [0-9a-z_] only (checked when loading), so inlining them is safe.
  await store.command(
    `INSERT INTO \`${opts.database}\`.schema_migrations (version, name, checksum) VALUES (${migration.version}, '${migration.name}', '${migration.checksum}')`,
  );
}

async function appliedVersions(store: SqlRunner, database: string): Promise<Map<number, string>> {
  const rows = await store.query<{ version: number | string; checksum: string }>(
    `SELECT version, argMax(checksum, applied_at) AS checksum FROM \`${database}\`.schema_migrations GROUP BY version`,
  );
  return new Map(rows.map((r) => [Number(r.version), r.checksum]));
}

/** The applied version per the migrations table (0 when none): what the operator verifies per replica. */
export async function appliedVersion(store: SqlRunner, database: string): Promise<number> {
  const rows = await store.query<{ v: number | string }>(
    `SELECT max(version) AS v FROM \`${database}\`.schema_migrations`,
  );
  return Number(rows[0]?.v ?? 0);
}
