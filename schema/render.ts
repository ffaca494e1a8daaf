// Renders the migration sources (schema/migrations/NNNN_<what>.sql) for a single node or a cluster.
// One source, two renderings (ADR 0002): the sources say what a table is with a few markers, and this
// module decides how it is spelled for the MergeTree family or for Replicated* + Distributed tables.
//
// Markers (everything else is plain ClickHouse SQL):
//   {{db}}                the database
//   {{table X}}           a data table; cluster: X_local ON CLUSTER c, plus a Distributed X
//   {{object X}}          another object (a materialized view): db.X [ON CLUSTER c]
//   {{ref X}}             a reference to table X's storage: db.X (cluster: db.X_local)
//   {{engine E(args)}}    a MergeTree-family engine; cluster: ReplicatedE(path, replica, args)
//   {{ttl column}}        TTL from the retention config (nothing when the table keeps forever)
//   {{settings}}          the insert deduplication window (required on every data table)
//   {{distribute expr}}   sharding key of the Distributed table (required on every data table)
//   {{alter X}}           the table an ALTER TABLE changes: db.X; cluster: db.X_local ON CLUSTER c, and the
//                         same statement again for the Distributed db.X ON CLUSTER c (its columns must match)
//   {{everywhere X}}      a small table every node holds in full (settings a materialized view reads):
//                         db.X; cluster: db.X ON CLUSTER c with one Keeper path for all shards, no Distributed
//   {{drop X}}            the table a DROP TABLE removes: db.X; cluster: the Distributed db.X ON CLUSTER c,
//                         then db.X_local ON CLUSTER c
//   {{retain X column}}   a whole statement: X's rows age by `column` from now on (a table created without
//                         {{ttl}}): ALTER TABLE of its storage MODIFY TTL from the retention config, or no
//                         statement when the table keeps forever
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Retention {
  /** Days to keep rows of tables that declare a TTL column; 0 keeps forever. */
  readonly defaultDays?: number;
  /** Per-table overrides, in days (0 keeps forever). */
  readonly tables?: Readonly<Record<string, number>>;
}

export interface RenderOptions {
  readonly database: string;
  /** Cluster name (remote_servers): selects the cluster rendering. Absent: single node. */
  readonly cluster?: string;
  readonly retention?: Retention;
}

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly source: string;
  /**
   * sha256 of the statements without their comment lines: what the migration does. Neither the rendering
   * options nor a reworded comment change it; a changed statement does.
   */
  readonly checksum: string;
}

/**
 * How many recent insert blocks a table remembers for insert_deduplication_token. A spool replay
 * after a crash or outage must land inside this window to be deduplicated, so it is generous.
 */
export const DEDUP_WINDOW_BLOCKS = 10_000;
/** Time bound of the replicated window; an outage longer than this could duplicate a retried batch. */
export const DEDUP_WINDOW_SECONDS = 7 * 24 * 3600;

export const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'migrations');
const FILE_NAME = /^(\d{4})_([a-z0-9_]+)\.sql$/;
const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;
const CLUSTER_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const MARKER = /\{\{(\w+)(?:\s+(.*?))?\}\}/g;

export function loadMigrations(dir: string = MIGRATIONS_DIR): Migration[] {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort();
  return files.map((file, index) => {
    const match = FILE_NAME.exec(file);
    if (!match) throw new Error(`load migration ${file}: the name must be NNNN_<what>.sql`);
    const version = Number(match[1]);
    if (version !== index + 1) throw new Error(`load migration ${file}: expected version ${index + 1}`);
    const source = readFileSync(join(dir, file), 'utf8');
    return { version, name: `${match[1]}_${match[2]}`, source, checksum: checksumOf(source) };
  });
}

/** Statements are separated by a semicolon at the end of a line; comment-only chunks are dropped. */
export function splitStatements(source: string): string[] {
  return source
    .split(/;[ \t]*(?:\r?\n|$)/)
    .map((s) => s.trim())
    .filter((s) => s.split('\n').some((line) => line.trim() !== '' && !line.trim().startsWith('--')));
}

/** The checksum of a migration source: its statements, comment lines and blank lines left out. */
export function checksumOf(source: string): string {
  const code = (statement: string) =>
    statement
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('--'))
      .join('\n');
  return sha256(splitStatements(source).map(code).join(';\n'));
}

export function renderMigration(migration: Migration, opts: RenderOptions): string[] {
  return splitStatements(migration.source).flatMap((s) => renderStatement(s, opts));
}

/** Renders one source statement into one statement (single node) or two (cluster: + Distributed). */
export function renderStatement(statement: string, opts: RenderOptions): string[] {
  checkOptions(opts);
  const retained = markerArg(statement, 'retain');
  if (retained !== undefined) return retainStatement(retained, opts);
  const altered = markerArg(statement, 'alter');
  if (altered !== undefined) return renderOnTargets(statement, 'alter', alterTargets(altered, opts));
  const dropped = markerArg(statement, 'drop');
  if (dropped !== undefined) return renderOnTargets(statement, 'drop', dropTargets(dropped, opts));
  const everywhere = markerArg(statement, 'everywhere');
  const table = markerArg(statement, 'table') ?? everywhere;
  const ctx = { ...opts, table, everywhere: everywhere !== undefined };
  // Every node holds an `everywhere` table in full: nothing to shard, and its writer replaces rows itself.
  if (table !== undefined && !ctx.everywhere) requireMarkers(statement, table);
  let distributeBy: string | undefined;
  const body = statement.replace(MARKER, (_m, name: string, arg: string | undefined) => {
    if (name === 'distribute') {
      distributeBy = arg;
      return '';
    }
    return renderMarker(name, arg ?? '', ctx);
  });
  const rendered = tidy(body);
  if (opts.cluster === undefined || table === undefined || ctx.everywhere) return [rendered];
  return [rendered, distributedTable(table, distributeBy ?? 'rand()', opts)];
}

/** `{{retain X column}}`: the TTL of table X's storage, or nothing while X keeps its rows for ever. */
function retainStatement(arg: string, opts: RenderOptions): string[] {
  const [table = '', column = '', ...rest] = arg.split(' ');
  if (!IDENTIFIER.test(table) || !IDENTIFIER.test(column) || rest.length > 0)
    throw new Error(`render: {{retain ${arg}}} must name a table and its age column`);
  const days = retentionDays(table, opts.retention);
  return days === 0 ? [] : [ttlStatement(table, column, days, opts)];
}

/**
 * The ALTER that makes data table X keep its rows `days` by `column` (0: REMOVE TTL, for ever), on its
 * storage: db.X; cluster: db.X_local ON CLUSTER c (the Distributed X holds no rows and takes no TTL).
 */
export function ttlStatement(
  table: string,
  column: string,
  days: number,
  opts: Pick<RenderOptions, 'database' | 'cluster'>,
): string {
  if (!IDENTIFIER.test(column)) throw new Error(`render: invalid column name ${column}`);
  const target = mutationTarget(table, opts);
  return days > 0
    ? `ALTER TABLE ${target} MODIFY ${ttlClause(column, days)}`
    : `ALTER TABLE ${target} REMOVE TTL`;
}

/** ALTER TABLE of data table X: on a cluster the local table first, then the Distributed one over it. */
function alterTargets(table: string, opts: RenderOptions): string[] {
  return clusterTargets(table, opts, ['local', 'distributed']);
}

/** DROP TABLE of data table X: on a cluster the Distributed table first (it reads the local one). */
function dropTargets(table: string, opts: RenderOptions): string[] {
  return clusterTargets(table, opts, ['distributed', 'local']);
}

function clusterTargets(table: string, opts: RenderOptions, order: readonly ('local' | 'distributed')[]) {
  if (!IDENTIFIER.test(table)) throw new Error(`render: invalid table name ${table}`);
  const db = quoteIdent(opts.database);
  if (!opts.cluster) return [`${db}.${quoteIdent(table)}`];
  const name = (which: 'local' | 'distributed') => (which === 'local' ? `${table}_local` : table);
  return order.map((which) => `${db}.${quoteIdent(name(which))}${onCluster(opts)}`);
}

/** The statement once per target, its `{{marker X}}` replaced by that target. */
function renderOnTargets(statement: string, marker: string, targets: readonly string[]): string[] {
  return targets.map((target) =>
    tidy(statement.replace(MARKER, (m, name: string) => (name === marker ? target : m))),
  );
}

/** The bootstrap table recording applied migrations (not itself a migration). */
export function migrationsTable(opts: RenderOptions): string {
  checkOptions(opts);
  const db = quoteIdent(opts.database);
  // Cluster: one Keeper path for the whole cluster, so every replica of every shard sees the record.
  const engine = opts.cluster
    ? `ReplicatedReplacingMergeTree('/clickhouse/tables/all/${opts.database}/schema_migrations', '{shard}-{replica}', applied_at)`
    : 'ReplacingMergeTree(applied_at)';
  return tidy(`CREATE TABLE IF NOT EXISTS ${db}.schema_migrations${onCluster(opts)} (
  version UInt32,
  name String,
  checksum String,
  applied_at DateTime64(3, 'UTC') DEFAULT now64(3, 'UTC')
) ENGINE = ${engine}
ORDER BY version`);
}

export function createDatabase(opts: RenderOptions): string {
  checkOptions(opts);
  return `CREATE DATABASE IF NOT EXISTS ${quoteIdent(opts.database)}${onCluster(opts)}`;
}

/**
 * The storage a mutation (ALTER TABLE … DELETE/UPDATE) of data table X must target: db.X on a single node;
 * db.X_local ON CLUSTER c on a cluster, because the Distributed X has no storage to mutate.
 */
export function mutationTarget(table: string, opts: Pick<RenderOptions, 'database' | 'cluster'>): string {
  checkOptions(opts);
  if (!IDENTIFIER.test(table)) throw new Error(`render: invalid table name ${table}`);
  return renderMarker('table', table, { ...opts, table });
}

interface MarkerContext extends RenderOptions {
  readonly table: string | undefined;
  /** Inside {{everywhere X}}: one replica set spanning every shard. */
  readonly everywhere?: boolean;
}

function renderMarker(name: string, arg: string, ctx: MarkerContext): string {
  const db = quoteIdent(ctx.database);
  switch (name) {
    case 'db':
      return db;
    case 'table':
      return ctx.cluster
        ? `${db}.${quoteIdent(`${arg}_local`)}${onCluster(ctx)}`
        : `${db}.${quoteIdent(arg)}`;
    case 'object':
    case 'everywhere':
      return `${db}.${quoteIdent(arg)}${onCluster(ctx)}`;
    case 'ref':
      return ctx.cluster ? `${db}.${quoteIdent(`${arg}_local`)}` : `${db}.${quoteIdent(arg)}`;
    case 'engine':
      return renderEngine(arg, ctx);
    case 'ttl':
      return renderTtl(arg, ctx);
    case 'settings':
      return ctx.cluster
        ? `SETTINGS replicated_deduplication_window = ${DEDUP_WINDOW_BLOCKS}, replicated_deduplication_window_seconds = ${DEDUP_WINDOW_SECONDS}`
        : `SETTINGS non_replicated_deduplication_window = ${DEDUP_WINDOW_BLOCKS}`;
    default:
      throw new Error(`render: unknown marker {{${name}}}`);
  }
}

function renderEngine(engine: string, ctx: MarkerContext): string {
  const match = /^(\w*MergeTree)(?:\((.*)\))?$/s.exec(engine.trim());
  if (!match) throw new Error(`render engine ${engine}: not a MergeTree-family engine`);
  const [, name, args] = match;
  if (!ctx.cluster) return args === undefined ? `${name}` : `${name}(${args})`;
  if (ctx.table === undefined) throw new Error(`render engine ${engine}: only inside {{table X}}`);
  // A table every node holds: one Keeper path for the whole cluster and a replica name unique across shards
  // (as schema_migrations), so a row written on any node reaches every shard.
  const [path, replica] = ctx.everywhere
    ? [`'/clickhouse/tables/all/${ctx.database}/${ctx.table}'`, "'{shard}-{replica}'"]
    : [`'/clickhouse/tables/{shard}/${ctx.database}/${ctx.table}_local'`, "'{replica}'"];
  const all = [path, replica, ...(args ? [args] : [])].join(', ');
  return `Replicated${name}(${all})`;
}

function renderTtl(column: string, ctx: MarkerContext): string {
  const days = retentionDays(ctx.table ?? '', ctx.retention);
  return days > 0 ? ttlClause(column, days) : '';
}

const ttlClause = (column: string, days: number): string =>
  `TTL toDateTime(${column}) + INTERVAL ${days} DAY`;

export function retentionDays(table: string, retention: Retention | undefined): number {
  return retention?.tables?.[table] ?? retention?.defaultDays ?? 0;
}

function distributedTable(table: string, shardingKey: string, opts: RenderOptions): string {
  const db = quoteIdent(opts.database);
  const cluster = quoteString(opts.cluster ?? '');
  return (
    `CREATE TABLE IF NOT EXISTS ${db}.${quoteIdent(table)}${onCluster(opts)} AS ${db}.${quoteIdent(`${table}_local`)}\n` +
    `ENGINE = Distributed(${cluster}, ${quoteString(opts.database)}, ${quoteString(`${table}_local`)}, ${shardingKey})`
  );
}

/** Every data table must say how it deduplicates retries and how it is sharded. */
function requireMarkers(statement: string, table: string): void {
  for (const marker of ['engine', 'settings', 'distribute']) {
    if (!statement.includes(`{{${marker}`)) throw new Error(`render table ${table}: missing {{${marker}}}`);
  }
}

function markerArg(statement: string, name: string): string | undefined {
  for (const m of statement.matchAll(MARKER)) if (m[1] === name) return m[2];
  return undefined;
}

function checkOptions(opts: RenderOptions): void {
  if (!IDENTIFIER.test(opts.database)) throw new Error(`render: invalid database name ${opts.database}`);
  if (opts.cluster !== undefined && !CLUSTER_NAME.test(opts.cluster)) {
    throw new Error(`render: invalid cluster name ${opts.cluster}`);
  }
}

const onCluster = (opts: RenderOptions): string =>
  opts.cluster ? ` ON CLUSTER ${quoteString(opts.cluster)}` : '';
const quoteIdent = (name: string): string => `\`${name}\``;
const quoteString = (value: string): string => `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
/** Drops the blank lines left by markers that render to nothing. */
const tidy = (sql: string): string =>
  sql
    .split('\n')
    .filter((line) => line.trim() !== '')
    .join('\n');
