// What each ClickHouse host holds of the schema (its tables and its migration record), and bringing a host
// that lacks tables up from one that holds them. On a cluster the migration record is one replicated table,
// so a host added later (a new replica, a new shard, a replica recreated on a new volume) reads the
// cluster's record as soon as it has that table, whatever else it has: the record says which migrations the
// cluster ran, the host's system.tables says what this host holds. A host is current only when both agree.
// Missing objects are created on that host alone, from the definitions on a host that holds them all
// (ADR 0023).
import { copyStatements, readStoredTables, type SchemaObject, type StoredTable } from '../schema/index.ts';
import type { SqlRunner } from '../store/index.ts';
import { type ClickHouseAccess, type Replica, replicaVersion } from './clickhouse.ts';

export type HostSchema = {
  /** The highest migration version the host's schema_migrations records (0 without that table). */
  readonly version: number;
  /** Tables and views of the database on this host (system.tables). */
  readonly tables: ReadonlySet<string>;
  /** The same rows with their engine (its TTL: what the retention is compared with, schema/retain.ts). */
  readonly stored: readonly StoredTable[];
};

/** Two reads: the database's tables, then (only when it exists) the migration record. */
export async function readHostSchema(sql: SqlRunner, database: string): Promise<HostSchema> {
  const stored = await readStoredTables(sql, database);
  const tables = new Set(stored.map((r) => r.name));
  const version = tables.has('schema_migrations') ? await replicaVersion(sql, database) : 0;
  return { version, tables, stored };
}

/**
 * A host lacks tables and they cannot be created from another host's definitions (no host holds them all,
 * or ClickHouse refused one on that host). The schema step reports it as its own condition reason.
 */
export class CopyError extends Error {
  override readonly name = 'CopyError';
}

/** A host that lacks objects of the version it should hold, and the host whose definitions it gets. */
export type Copy = {
  readonly host: Replica;
  readonly from: Replica;
  /** The version whose objects the host must hold (the cluster's record, or its own). */
  readonly version: number;
  readonly missing: readonly string[];
};

export type PlanInput = {
  readonly replicas: readonly Replica[];
  readonly states: ReadonlyMap<string, HostSchema>;
  /** The objects migrations 1..version leave (schema/objects.ts). */
  readonly expected: (version: number) => readonly SchemaObject[];
  /**
   * One replicated record for the whole cluster: every host should hold what the highest record says.
   * Otherwise (per-replica rendering) each host's own record says what it should hold.
   */
  readonly sharedRecord: boolean;
};

/** Objects of `version` a host does not hold. */
export const missingOn = (state: HostSchema | undefined, expected: readonly SchemaObject[]): string[] =>
  expected.filter((o) => !state?.tables.has(o.name)).map((o) => o.name);

/**
 * Which hosts need objects copied, and from where: the first host (in rendered order) whose own record is
 * that version and that holds every object of it. Throws when a host needs objects and no host holds them
 * all (nothing to copy from; running the migrations again would not create them: they are recorded).
 */
export function planCopies(input: PlanInput): Copy[] {
  const { replicas, states, expected, sharedRecord } = input;
  const recorded = Math.max(0, ...replicas.map((r) => states.get(r.host)?.version ?? 0));
  const copies: Copy[] = [];
  for (const host of replicas) {
    const version = sharedRecord ? recorded : (states.get(host.host)?.version ?? 0);
    const objects = expected(version);
    const missing = missingOn(states.get(host.host), objects);
    if (missing.length === 0) continue;
    const from = replicas.find((r) => {
      const state = states.get(r.host);
      return state?.version === version && missingOn(state, objects).length === 0;
    });
    if (!from) {
      throw new CopyError(
        `copy tables to ${host.host}: no host holds every table of schema version ${version} (missing here: ${missing.join(', ')})`,
      );
    }
    copies.push({ host, from, version, missing });
  }
  return copies;
}

/** Every table's definition on a host, by name (system.tables.create_table_query). */
export async function readDefinitions(sql: SqlRunner, database: string): Promise<Map<string, string>> {
  const rows = await sql.query<{ name: string; create_table_query: string }>(
    'SELECT name, create_table_query FROM system.tables WHERE database = {database:String}',
    { database },
  );
  return new Map(rows.map((r) => [r.name, r.create_table_query]));
}

export type CopyTarget = {
  readonly access: ClickHouseAccess;
  readonly password: string;
  readonly database: string;
};

/**
 * Creates the copy's missing objects on its host, one statement at a time, from `definitions` (the source
 * host's). Every statement is IF NOT EXISTS, so a copy cut short is completed by the next reconcile.
 */
export async function copyTables(
  target: CopyTarget,
  copy: Copy,
  expected: readonly SchemaObject[],
  definitions: ReadonlyMap<string, string>,
  present: ReadonlySet<string>,
): Promise<void> {
  try {
    const statements = copyStatements(target.database, expected, present, definitions);
    await target.access.use(copy.host, target.password, async (sql) => {
      for (const statement of statements) await sql.command(statement);
    });
  } catch (err) {
    const message = `copy tables to ${copy.host.host} from ${copy.from.host}: ${(err as Error).message}`;
    throw new CopyError(message, { cause: err });
  }
}
