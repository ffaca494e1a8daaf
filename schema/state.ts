// How far a store's schema is: the highest migration version its schema_migrations table records (0 when
// the database or the table is not there) beside the highest this installation carries. Read by an
// ingest that does not apply the schema itself (a clickhouse store), to say what is missing and how to
// apply it, instead of every insert failing without a word about why.
import { clickhouseCode, type SqlRunner, unknownDatabase } from '../store/index.ts';
import { appliedVersion } from './migrate.ts';
import { loadMigrations, type Migration } from './render.ts';

export interface SchemaState {
  /** The version the store records (0: no schema at all). */
  readonly version: number;
  /** The version this installation's migrations reach. */
  readonly latest: number;
}

export async function schemaState(
  sql: SqlRunner,
  database: string,
  migrations: readonly Migration[] = loadMigrations(),
): Promise<SchemaState> {
  const latest = Math.max(0, ...migrations.map((m) => m.version));
  try {
    const [row] = await sql.query<{ n: number | string }>(
      "SELECT count() AS n FROM system.tables WHERE database = {db:String} AND name = 'schema_migrations'",
      { db: database },
    );
    const version = Number(row?.n ?? 0) > 0 ? await appliedVersion(sql, database) : 0;
    return { version, latest };
  } catch (err) {
    // a connection bound to a database that does not exist refuses everything
    if (clickhouseCode(err) === unknownDatabase) return { version: 0, latest };
    throw err;
  }
}
