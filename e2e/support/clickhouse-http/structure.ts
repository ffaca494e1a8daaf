// Engine-side helpers of the ClickHouse-HTTP test double's CLUSTER STAND-IN (cluster.ts): what ClickHouse
// compares when a replica joins a Keeper path (a table's structure), the refusals it answers with, and
// statements the stand-in runs on its own engine. Separate from the stand-in so that file stays about DDL.
import { replicatedForm, type TableName } from './ddl.ts';
import type { Output, ParsedRequest } from './protocol.ts';

/**
 * Runs a request on this server's real engine (serialised with every other request). `raw`: system.tables
 * as the engine holds it (the stand-in's own reads), not as the stand-in shows it to clients.
 */
export type Exec = (request: ParsedRequest, opts?: { readonly raw?: boolean }) => Promise<Output>;

/** What system.tables shows for a Replicated table: its engine, macros unexpanded, as ClickHouse does. */
export type Shown = {
  readonly engine: string;
  readonly engine_full: string;
  readonly create_table_query: string;
};

/** The Replicated form of a table the engine holds as its MergeTree-family counterpart. */
export async function shownAs(
  table: TableName & { readonly pathLiteral: string; readonly replicaLiteral: string },
  exec: Exec,
): Promise<Shown> {
  const [row] = await rows<Shown>(
    exec,
    'SELECT engine, engine_full, create_table_query FROM system.tables WHERE database = {db:String} AND name = {t:String}',
    { db: table.database, t: table.table },
  );
  const { engine = '', engine_full = '', create_table_query: query = '' } = row ?? {};
  const at = query.indexOf('ENGINE = ') + 'ENGINE = '.length;
  const { pathLiteral, replicaLiteral } = table;
  return {
    engine: `Replicated${engine}`,
    engine_full: replicatedForm(engine_full, 0, pathLiteral, replicaLiteral),
    create_table_query: replicatedForm(query, at, pathLiteral, replicaLiteral),
  };
}

export type Structure = {
  readonly columns: readonly {
    name: string;
    type: string;
    default_kind: string;
    default_expression: string;
  }[];
  readonly metadata: Readonly<Record<string, string>>;
};

/** The structure ClickHouse compares when a replica joins a path: columns, keys and TTL. */
export async function structure(name: TableName, exec: Exec): Promise<Structure> {
  const params = { db: name.database, t: name.table };
  const columns = await rows<Structure['columns'][number]>(
    exec,
    'SELECT name, type, default_kind, default_expression FROM system.columns WHERE database = {db:String} AND table = {t:String} ORDER BY position',
    params,
  );
  const [table] = await rows<{
    sorting_key: string;
    partition_key: string;
    primary_key: string;
    engine_full: string;
  }>(
    exec,
    'SELECT sorting_key, partition_key, primary_key, engine_full FROM system.tables WHERE database = {db:String} AND name = {t:String}',
    params,
  );
  const ttl = / TTL (.*?)(?: SETTINGS |$)/.exec(table?.engine_full ?? '')?.[1] ?? '';
  const { sorting_key = '', partition_key = '', primary_key = '' } = table ?? {};
  return {
    columns,
    metadata: {
      'sorting key': sorting_key,
      'partition key': partition_key,
      'primary key': primary_key,
      TTL: ttl,
    },
  };
}

export function differs(existing: Structure, created: Structure): Error | undefined {
  if (JSON.stringify(existing.columns) !== JSON.stringify(created.columns)) {
    return clickhouseError(
      122,
      'Table columns structure in ZooKeeper is different from local table structure',
      'INCOMPATIBLE_COLUMNS',
    );
  }
  const what = Object.keys(existing.metadata).find((k) => existing.metadata[k] !== created.metadata[k]);
  if (what === undefined) return undefined;
  return clickhouseError(342, `Existing table metadata in ZooKeeper differs in ${what}`, 'METADATA_MISMATCH');
}

export async function exists(name: TableName, exec: Exec): Promise<boolean> {
  const [row] = await rows<{ e: number | string }>(
    exec,
    'SELECT count() AS e FROM system.tables WHERE database = {db:String} AND name = {t:String}',
    {
      db: name.database,
      t: name.table,
    },
  );
  return Number(row?.e ?? 0) > 0;
}

/** The real parser refuses what ClickHouse would refuse before anything is rewritten. */
export async function parse(sql: string, exec: Exec): Promise<void> {
  await exec(internal('SELECT formatQuery({sql:String})', { sql }));
}

export async function rows<T>(exec: Exec, sql: string, params: Record<string, string>): Promise<T[]> {
  const output = await exec(internal(`${sql} FORMAT JSONEachRow`, params), { raw: true });
  return output.body
    .toString('utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as T);
}

export function internal(sql: string, params: Record<string, string> = {}): ParsedRequest {
  return {
    sql,
    body: Buffer.alloc(0),
    database: undefined,
    queryId: crypto.randomUUID(),
    params,
    settings: {},
    defaultFormat: 'TabSeparated',
  };
}

export function clickhouseError(code: number, message: string, type: string): Error {
  return Object.assign(new Error(`${message} (${type})`), { clickhouseCode: code });
}
