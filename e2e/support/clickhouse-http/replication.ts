// REPLICATION STAND-IN of the ClickHouse-HTTP test double. chdb has no Keeper, so it has no replicated
// tables: its system.replicas and system.replication_queue are empty. With this stand-in the test sets what
// those two tables show on this server (which replicated tables exist here, which replicas Keeper knows for
// each and whether they are active, how long this replica's queue is), and the SYSTEM statements that act
// on replication change that state with ClickHouse's rules:
//   SYSTEM DROP REPLICA 'r' FROM TABLE db.t | FROM DATABASE db   refused for the local or an active replica
//   SYSTEM SYNC REPLICA db.t [modifier]                            empties the queue, or fails as told;
//                                                                  while held, it waits (other statements
//                                                                  are answered meanwhile, as ClickHouse
//                                                                  does while a sync waits for fetches)
// Queries that read the two system tables run on the REAL engine over tables holding the stand-in's rows.
import type { Session } from 'chdb';

export type ReplicatedTable = {
  readonly database: string;
  readonly table: string;
  /** This server's replica name for the table. */
  readonly replicaName: string;
  readonly zookeeperPath: string;
  /** Every replica Keeper knows for the table → whether it is active (has a live session). */
  replicas: Record<string, boolean>;
  /** Entries in this replica's replication queue. */
  queue: number;
};

export type ReplicationState = {
  tables: ReplicatedTable[];
  /** When set, SYSTEM SYNC REPLICA fails with this message (TIMEOUT_EXCEEDED), as a stuck fetch would. */
  syncFails?: string;
  /** When true, SYSTEM SYNC REPLICA waits until a state without it is set, as a slow fetch would. */
  syncHeld?: boolean;
};

const SYSTEM_TABLE = /\bsystem\.(replicas|replication_queue)\b/gi;
const DROP = /^\s*SYSTEM\s+DROP\s+REPLICA\s+'([^']+)'\s+FROM\s+(TABLE|DATABASE)\s+([`\w.]+)\s*;?\s*$/i;
const SYNC = /^\s*SYSTEM\s+SYNC\s+REPLICA\s+([`\w.]+)(?:\s+(?:STRICT|LIGHTWEIGHT|PULL))?\s*;?\s*$/i;
const standIn = '_replication_stand_in';

export class ReplicationStandIn {
  #state: ReplicationState = { tables: [] };
  /** SYSTEM SYNC REPLICA statements waiting for `syncHeld` to be lifted. */
  #held: (() => void)[] = [];

  get state(): ReplicationState {
    return this.#state;
  }

  set state(state: ReplicationState) {
    this.#state = state;
    if (!state.syncHeld) for (const release of this.#held.splice(0)) release();
  }

  /**
   * Waits while a SYSTEM SYNC REPLICA is held. The server calls it before a statement joins its one-at-a-time
   * chain, so a held sync does not hold up the statements sent meanwhile.
   */
  async held(sql: string): Promise<void> {
    if (!SYNC.test(sql)) return;
    while (this.#state.syncHeld) await new Promise<void>((release) => this.#held.push(release));
  }

  /** Handles a statement the stand-in owns; undefined for one the engine runs (maybe rewritten). */
  async intercept(session: Session, sql: string): Promise<{ handled: true } | { sql: string }> {
    const drop = DROP.exec(sql);
    if (drop) return this.#drop(drop[1] as string, drop[2] as string, unquote(drop[3] as string));
    const sync = SYNC.exec(sql);
    if (sync) return this.#sync(unquote(sync[1] as string));
    if (!SYSTEM_TABLE.test(sql)) return { sql };
    SYSTEM_TABLE.lastIndex = 0;
    await this.#materialize(session);
    return { sql: sql.replace(SYSTEM_TABLE, (_m, t: string) => `${standIn}.${t.toLowerCase()}`) };
  }

  #drop(replica: string, scope: string, target: string): { handled: true } {
    const tables =
      scope.toUpperCase() === 'TABLE'
        ? [this.#table(target)]
        : this.state.tables.filter((t) => t.database === target);
    for (const t of tables) {
      if (t.replicaName === replica)
        throw clickhouseError(
          305,
          "We can't drop local replica, please use `DROP TABLE`",
          'TABLE_WAS_NOT_DROPPED',
        );
      if (t.replicas[replica])
        throw clickhouseError(
          305,
          `Can't drop replica: ${replica}, because it's active`,
          'TABLE_WAS_NOT_DROPPED',
        );
    }
    for (const t of tables) delete t.replicas[replica];
    return { handled: true };
  }

  #sync(target: string): { handled: true } {
    const table = this.#table(target);
    if (this.state.syncFails) throw clickhouseError(159, this.state.syncFails, 'TIMEOUT_EXCEEDED');
    table.queue = 0;
    return { handled: true };
  }

  #table(qualified: string): ReplicatedTable {
    const [database, table] = qualified.split('.');
    const found = this.state.tables.find((t) => t.database === database && t.table === table);
    if (!found) throw clickhouseError(60, `Table ${qualified} does not exist`, 'UNKNOWN_TABLE');
    return found;
  }

  /** The rows the two system tables would show, as Memory tables on the real engine. */
  async #materialize(session: Session): Promise<void> {
    await session.queryAsync(`CREATE DATABASE IF NOT EXISTS ${standIn}`);
    await session.queryAsync(`CREATE OR REPLACE TABLE ${standIn}.replicas (database String, table String,
      replica_name String, zookeeper_path String, replica_path String, is_readonly UInt8, queue_size UInt32,
      total_replicas UInt8, active_replicas UInt8, replica_is_active Map(String, UInt8)) ENGINE = Memory`);
    await session.queryAsync(`CREATE OR REPLACE TABLE ${standIn}.replication_queue (database String,
      table String, replica_name String, position UInt32, node_name String, type String,
      create_time DateTime, num_tries UInt32, last_exception String) ENGINE = Memory`);
    const replicas = this.state.tables.map((t) => ({
      database: t.database,
      table: t.table,
      replica_name: t.replicaName,
      zookeeper_path: t.zookeeperPath,
      replica_path: `${t.zookeeperPath}/replicas/${t.replicaName}`,
      is_readonly: 0,
      queue_size: t.queue,
      total_replicas: Object.keys(t.replicas).length,
      active_replicas: Object.values(t.replicas).filter(Boolean).length,
      replica_is_active: Object.fromEntries(Object.entries(t.replicas).map(([r, a]) => [r, a ? 1 : 0])),
    }));
    const queue = this.state.tables.flatMap((t) =>
      Array.from({ length: t.queue }, (_, i) => ({
        database: t.database,
        table: t.table,
        replica_name: t.replicaName,
        position: i,
        node_name: `queue-${String(i).padStart(10, '0')}`,
        type: 'GET_PART',
        create_time: Math.floor(Date.now() / 1000),
        num_tries: 0,
        last_exception: '',
      })),
    );
    await insertRows(session, `${standIn}.replicas`, replicas);
    await insertRows(session, `${standIn}.replication_queue`, queue);
  }
}

async function insertRows(session: Session, table: string, rows: readonly object[]): Promise<void> {
  if (rows.length === 0) return;
  const values = Buffer.from(rows.map((r) => JSON.stringify(r)).join('\n'));
  await session.insert({ table, values, format: 'JSONEachRow' });
}

const unquote = (name: string): string => name.replaceAll('`', '');

function clickhouseError(code: number, message: string, type: string): Error {
  return Object.assign(new Error(`${message} (${type})`), { clickhouseCode: code });
}
