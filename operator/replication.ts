// What the operator reads and runs about ClickHouse replication, on one replica: which replicated tables it
// has and which replicas Keeper knows for each (system.replicas), how much it still has to replicate
// (system.replication_queue), and the two statements that act on it. Which replicas a TrackerCluster may
// drop is decided by its names (cdk8s/names.ts): only names it renders, never anyone else's.
import type { SqlRunner } from '../store/index.ts';

export type ReplicatedTable = {
  readonly table: string;
  /** This replica's own name for the table. */
  readonly replicaName: string;
  /** Every replica Keeper knows for the table → whether it is active (has a live Keeper session). */
  readonly replicas: Readonly<Record<string, boolean>>;
};

type ReplicasRow = { table: string; replica_name: string; replica_is_active: Record<string, number> };

export async function replicatedTables(sql: SqlRunner, database: string): Promise<ReplicatedTable[]> {
  const rows = await sql.query<ReplicasRow>(
    'SELECT table, replica_name, replica_is_active FROM system.replicas WHERE database = {database:String} ORDER BY table',
    { database },
  );
  return rows.map((r) => ({
    table: r.table,
    replicaName: r.replica_name,
    replicas: Object.fromEntries(Object.entries(r.replica_is_active).map(([k, v]) => [k, Number(v) === 1])),
  }));
}

/** Entries this replica still has to execute (fetches, merges, mutations) for tables of `database`. */
export async function replicationQueueLength(sql: SqlRunner, database: string): Promise<number> {
  const [row] = await sql.query<{ n: string | number }>(
    'SELECT count() AS n FROM system.replication_queue WHERE database = {database:String}',
    { database },
  );
  return Number(row?.n ?? 0);
}

/**
 * Waits until this replica has fetched every part the replication log announced so far, including the
 * parts only a leaving replica has. LIGHTWEIGHT waits for fetches and part drops, not for merges, which
 * can take long and move no data between replicas.
 */
export async function syncReplica(sql: SqlRunner, database: string, table: string): Promise<void> {
  await sql.command(`SYSTEM SYNC REPLICA ${qualified(database, table)} LIGHTWEIGHT`);
}

/** Removes a replica's metadata from the table's Keeper path; ClickHouse refuses an active replica. */
export async function dropReplica(
  sql: SqlRunner,
  database: string,
  table: string,
  replica: string,
): Promise<void> {
  if (!/^[A-Za-z0-9_.-]+$/.test(replica)) throw new Error(`drop replica ${replica}: not a replica name`);
  await sql.command(`SYSTEM DROP REPLICA '${replica}' FROM TABLE ${qualified(database, table)}`);
}

function qualified(database: string, table: string): string {
  for (const name of [database, table])
    if (name.includes('`')) throw new Error(`quote identifier ${name}: contains a backquote`);
  return `\`${database}\`.\`${table}\``;
}
