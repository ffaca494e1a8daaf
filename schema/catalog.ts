// The column catalog derived from the migration sources: which tables the data path may write and
// what each column's type is. Derived, never hand-written, so the validator cannot drift from the
// schema; an integration test compares it with system.columns of the applied schema.
import { loadMigrations, type Migration, splitStatements } from './render.ts';

export interface Column {
  readonly name: string;
  /** The ClickHouse type as written in the migration, e.g. DateTime64(3, 'UTC'). */
  readonly type: string;
  /** Has a DEFAULT (or is filled by the engine), so a row may omit it. */
  readonly hasDefault: boolean;
  /**
   * The engine takes only 0 or 1 here, whatever the type holds: the is_deleted column of a
   * ReplacingMergeTree(version, is_deleted).
   */
  readonly flag?: true;
}

export interface TableInfo {
  readonly name: string;
  readonly columns: readonly Column[];
  /** Filled by a materialized view: the data path refuses direct writes (one derivation path). */
  readonly derived: boolean;
  /** The column retention ages rows by (its TTL column); absent: the table keeps rows until erased. */
  readonly ageColumn?: string;
}

export type Catalog = ReadonlyMap<string, TableInfo>;

const CREATE_TABLE =
  /CREATE TABLE IF NOT EXISTS \{\{table (\w+)\}\}\s*(?:AS \{\{ref (\w+)\}\}|\(([\s\S]*?)\n\)\s*ENGINE)/;
const MV_TARGET = /CREATE MATERIALIZED VIEW[\s\S]*?\bTO \{\{ref (\w+)\}\}/;
const ALTER_TABLE = /^ALTER TABLE \{\{alter (\w+)\}\}\s*\n([\s\S]*)$/;
const ADD_COLUMN = /^ADD COLUMN IF NOT EXISTS /;
const MODIFY_COLUMN = /^MODIFY COLUMN IF EXISTS ([a-z_][a-z0-9_]*) (.+?),?$/;
const TTL = /\{\{ttl (\w+)\}\}/;
const RETAIN = /\{\{retain (\w+) (\w+)\}\}/;
const IS_DELETED = /\{\{engine ReplacingMergeTree\(\s*\w+\s*,\s*(\w+)\s*\)\}\}/;
const DROP_TABLE = /^DROP TABLE IF EXISTS \{\{drop (\w+)\}\}/m;
const COLUMN = /^([a-z_][a-z0-9_]*)\s+(.+?)(?:\s+(DEFAULT|MATERIALIZED|ALIAS|EPHEMERAL|CODEC|COMMENT)\b.*)?$/;

/** A `{{retain X column}}` statement: table X ages by that column from then on. */
function retain(tables: Map<string, TableInfo>, statement: string): boolean {
  const [, name, column] = RETAIN.exec(statement) ?? [];
  const info = name === undefined ? undefined : tables.get(name);
  if (info === undefined || column === undefined) return false;
  tables.set(info.name, { ...info, ageColumn: column });
  return true;
}

export function buildCatalog(migrations: readonly Migration[] = loadMigrations()): Catalog {
  const tables = new Map<string, TableInfo>();
  const derived = new Set<string>();
  for (const statement of migrations.flatMap((m) => splitStatements(m.source))) {
    if (retain(tables, statement)) continue;
    const dropped = DROP_TABLE.exec(statement)?.[1];
    if (dropped !== undefined) {
      tables.delete(dropped);
      derived.delete(dropped);
      continue;
    }
    const mv = MV_TARGET.exec(statement);
    if (mv?.[1]) derived.add(mv[1]);
    const alter = ALTER_TABLE.exec(withoutComments(statement));
    if (alter?.[1]) {
      addColumns(tables, alter[1], alter[2] ?? '');
      continue;
    }
    const created = createdTable(tables, statement);
    if (created !== undefined) tables.set(created.name, created);
  }
  for (const name of derived) {
    const info = tables.get(name);
    if (info) tables.set(name, { ...info, derived: true });
  }
  return tables;
}

/** The table a CREATE TABLE statement makes, its columns read from it (or the table it copies). */
function createdTable(tables: ReadonlyMap<string, TableInfo>, statement: string): TableInfo | undefined {
  const create = CREATE_TABLE.exec(statement);
  if (!create?.[1]) return undefined;
  const [, name, likeTable, body] = create;
  const isDeleted = IS_DELETED.exec(statement)?.[1];
  const columns = (likeTable ? (tables.get(likeTable)?.columns ?? []) : parseColumns(body ?? '', name)).map(
    (c) => (c.name === isDeleted ? { ...c, flag: true as const } : c),
  );
  const ageColumn = TTL.exec(statement)?.[1];
  return { name, columns, derived: false, ...(ageColumn === undefined ? {} : { ageColumn }) };
}

const withoutComments = (statement: string): string =>
  statement
    .split('\n')
    .filter((line) => !line.trim().startsWith('--'))
    .join('\n')
    .trim();

/**
 * The ALTERs migrations use, one clause per line: `ADD COLUMN IF NOT EXISTS <column definition>` and
 * `MODIFY COLUMN IF EXISTS <name> <type>` (a new type, same position).
 */
function addColumns(tables: Map<string, TableInfo>, name: string, body: string): void {
  const info = tables.get(name);
  if (!info) throw new Error(`catalog: ALTER TABLE ${name} before its CREATE TABLE`);
  let columns = [...info.columns];
  for (const line of body.split('\n').map((l) => l.replace(/--.*$/, '').trim())) {
    if (line === '') continue;
    const modify = MODIFY_COLUMN.exec(line);
    if (modify?.[1] !== undefined && modify[2] !== undefined) {
      const [, column, type] = modify;
      columns = columns.map((c) => (c.name === column ? { ...c, type } : c));
    } else if (ADD_COLUMN.test(line)) {
      columns.push(...parseColumns(line.replace(ADD_COLUMN, ''), name));
    } else {
      throw new Error(
        `catalog ${name}: only ADD COLUMN IF NOT EXISTS and MODIFY COLUMN IF EXISTS: "${line}"`,
      );
    }
  }
  tables.set(name, { ...info, columns });
}

function parseColumns(body: string, table: string): Column[] {
  return body
    .split('\n')
    .map((line) => line.replace(/--.*$/, '').trim().replace(/,$/, ''))
    .filter((line) => line !== '')
    .map((line) => {
      const match = COLUMN.exec(line);
      if (!match?.[1] || !match[2]) throw new Error(`catalog ${table}: cannot parse column "${line}"`);
      const kind = match[3];
      if (kind === 'MATERIALIZED' || kind === 'ALIAS' || kind === 'EPHEMERAL') {
        throw new Error(`catalog ${table}.${match[1]}: ${kind} columns are not supported by the data path`);
      }
      return { name: match[1], type: match[2], hasDefault: kind === 'DEFAULT' };
    });
}
