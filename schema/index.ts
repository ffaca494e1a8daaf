// Public surface of the schema package: the renderer, the derived column catalog and the runner.
export { batchedTables, batchingProblems } from './batched-tables.ts';
export { buildCatalog, type Catalog, type Column, type TableInfo } from './catalog.ts';
export { copyStatements, ifNotExists } from './copy.ts';
export {
  appliedVersion,
  applyMigrations,
  type MigrateOptions,
  type MigrateResult,
} from './migrate.ts';
export {
  deleteMutation,
  type MutationScope,
  type Rendering,
  readTarget,
  storageName,
  updateMutation,
  type VisitorIds,
  visitorParams,
  visitorPredicate,
} from './mutations.ts';
export { creationOrder, type ObjectKind, type SchemaObject, schemaObjects } from './objects.ts';
export { type Anonymisation, anonymisation, PERSONAL_COLUMNS, PERSONAL_PARAMS } from './personal.ts';
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
export {
  applyRetention,
  planRetention,
  type RetentionChange,
  RetentionError,
  type RetentionOptions,
  type RetentionStep,
  readStoredTables,
  retentionNotice,
  retentionSummary,
  runRetention,
  type StoredTable,
  ttlDays,
} from './retain.ts';
export { agedTables, retentionProblems, specRetentionProblems } from './retention.ts';
export {
  ensureRollupSettings,
  type ImpressionRules,
  type RollupRules,
  type SettingRow,
  settingRows,
} from './rollups.ts';
export { type SchemaState, schemaState } from './state.ts';
