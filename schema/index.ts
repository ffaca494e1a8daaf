// Public surface of the schema package: the renderer, the derived column catalog and the runner.
export { buildCatalog, type Catalog, type Column, type TableInfo } from './catalog.ts';
export {
  appliedVersion,
  applyMigrations,
  type MigrateOptions,
  type MigrateResult,
} from './migrate.ts';
export {
  createDatabase,
  DEDUP_WINDOW_BLOCKS,
  loadMigrations,
  type Migration,
  migrationsTable,
  mutationTarget,
  type RenderOptions,
  type Retention,
  renderMigration,
  renderStatement,
  retentionDays,
  splitStatements,
} from './render.ts';
