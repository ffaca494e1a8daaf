// CLUSTER STAND-IN of the ClickHouse-HTTP test double. chdb has no Keeper and no distributed DDL queue, so
// the cluster rendering of the schema (ON CLUSTER, Replicated*MergeTree at a Keeper path, Distributed tables)
// cannot run on it. With this stand-in each double plays one host of a cluster, and the doubles of a test
// together play the cluster and its Keeper:
// - `… ON CLUSTER c …` is checked by the real parser (formatQuery), refused for a cluster other than this
//   server's, and run without the clause on every host of the cluster (the test sets which: what
//   remote_servers would list), one host after the other, as the DDL queue would.
// - A Replicated*MergeTree table is created on the real engine as the same MergeTree-family table, and
//   remembered with its Keeper path and replica name (macros expanded from this host's). Creating one at a
//   path another double already holds joins it as ClickHouse does: refused with REPLICA_ALREADY_EXISTS for
//   the same replica name, INCOMPATIBLE_COLUMNS / METADATA_MISMATCH for another structure, otherwise it
//   fetches the rows that replica holds (copied exactly, in the Native format).
// - An insert into such a table reaches every double holding the same path. (ClickHouse replicates the
//   parts a materialized view writes; here the forwarded insert runs each host's own views instead.)
// - system.tables shows such a table with its Replicated engine and unexpanded macros, as ClickHouse does.
// Distributed tables are created on the real engine over a cluster of that name whose only host is
// unreachable: their definitions are real, reading or writing through them is not modelled.
import {
  expandMacros,
  onCluster,
  replicatedEngine,
  type TableName,
  targetOf,
  unquoteLiteral,
  withoutComments,
} from './ddl.ts';
import { onHost } from './peers.ts';
import type { Output, ParsedRequest } from './protocol.ts';
import {
  clickhouseError,
  differs,
  type Exec,
  exists,
  internal,
  parse,
  type Shown,
  type Structure,
  shownAs,
  structure,
} from './structure.ts';

export type { Exec } from './structure.ts';

export type Topology = {
  /** The hosts `ON CLUSTER` runs on (what remote_servers lists), as double URLs. */
  hosts: string[];
  /** Every double sharing the Keeper stand-in: where a Replicated table looks for its path's replicas. */
  peers: string[];
};

export type ReplicaEntry = Structure & {
  readonly database: string;
  readonly table: string;
  readonly zookeeperPath: string;
  readonly replicaName: string;
  readonly pathLiteral: string;
  readonly replicaLiteral: string;
  /** What system.tables shows for it (kept current: read once when created and after each ALTER). */
  readonly shown: Shown;
};

const SYSTEM_TABLES = /\bsystem\.tables\b/gi;
const SHOWN = ['engine', 'engine_full', 'create_table_query'] as const;
const empty: Output = { body: Buffer.alloc(0), format: undefined, summary: {} };
const keyOf = (n: TableName) => `${n.database}.${n.table}`;
const quote = (id: string) => `\`${id.replaceAll('`', '')}\``;

export class ClusterStandIn {
  topology: Topology = { hosts: [], peers: [] };
  /** This double's own URL (set once it listens), left out when asking peers. */
  self = '';
  readonly #replicated = new Map<string, ReplicaEntry>();

  readonly name: string;
  readonly macros: Readonly<Record<string, string>>;

  constructor(name: string, macros: Readonly<Record<string, string>>) {
    this.name = name;
    this.macros = macros;
  }

  get state() {
    return {
      name: this.name,
      macros: this.macros,
      ...this.topology,
      replicated: [...this.#replicated.values()],
    };
  }

  /** A client's statement: ON CLUSTER runs on every host of the cluster; anything else on this one. */
  async statement(client: ParsedRequest, exec: Exec): Promise<Output> {
    const request = { ...client, sql: withoutComments(client.sql) };
    const distributed = onCluster(request.sql);
    if (!distributed) return this.local(request, exec);
    await parse(request.sql, exec);
    // A cluster remote_servers does not list (no host yet) is unknown to ClickHouse.
    if (distributed.cluster !== this.name || this.topology.hosts.length === 0) {
      throw clickhouseError(
        701,
        `Requested cluster '${distributed.cluster}' not found`,
        'CLUSTER_DOESNT_EXIST',
      );
    }
    for (const host of this.topology.hosts)
      await onHost(host, 'local', { ...request, sql: distributed.local });
    return empty;
  }

  /** A statement for this host alone: a client's, or one the ON CLUSTER fan-out hands over. */
  async local(handed: ParsedRequest, exec: Exec): Promise<Output> {
    const request = { ...handed, sql: withoutComments(handed.sql) };
    const target = targetOf(request.sql, request.database ?? 'default');
    const replicated = target?.verb === 'create' ? replicatedEngine(request.sql) : undefined;
    if (target && replicated) return this.#create(request, target.name, replicated, exec);
    const entry = target && this.#replicated.get(keyOf(target.name));
    const output = await exec(request);
    if (!target || !entry) return output;
    if (target.verb === 'insert') {
      for (const peer of await this.#replicasAt(entry.zookeeperPath))
        await onHost(peer.url, 'replicate', request);
    } else if (target.verb === 'alter') {
      const [changed, shown] = [await structure(target.name, exec), await shownAs(entry, exec)];
      this.#replicated.set(keyOf(target.name), { ...entry, ...changed, shown });
    } else if (target.verb === 'drop') {
      this.#replicated.delete(keyOf(target.name));
    }
    return output;
  }

  async #create(
    request: ParsedRequest,
    name: TableName,
    replicated: NonNullable<ReturnType<typeof replicatedEngine>>,
    exec: Exec,
  ): Promise<Output> {
    await parse(request.sql, exec);
    const localRequest = { ...request, sql: replicated.local };
    // Already there: IF NOT EXISTS makes it a no-op, without it the engine refuses as ClickHouse does.
    if (await exists(name, exec)) return exec(localRequest);
    const zookeeperPath = expandMacros(unquoteLiteral(replicated.pathLiteral), this.macros, name);
    const replicaName = expandMacros(unquoteLiteral(replicated.replicaLiteral), this.macros, name);
    const others = await this.#replicasAt(zookeeperPath);
    if (others.some((o) => o.entry.replicaName === replicaName)) {
      throw clickhouseError(
        253,
        `Replica ${zookeeperPath}/replicas/${replicaName} already exists`,
        'REPLICA_ALREADY_EXISTS',
      );
    }
    const output = await exec(localRequest);
    const created = await structure(name, exec);
    const source = others[0];
    const mismatch = source && differs(source.entry, created);
    if (mismatch) {
      await exec(internal(`DROP TABLE ${quote(name.database)}.${quote(name.table)} SYNC`));
      throw mismatch;
    }
    const { pathLiteral, replicaLiteral } = replicated;
    const literals = { ...name, pathLiteral, replicaLiteral };
    this.#replicated.set(keyOf(name), {
      ...literals,
      zookeeperPath,
      replicaName,
      ...created,
      shown: await shownAs(literals, exec),
    });
    if (source) {
      const rows = `${source.url}/_double/cluster/rows?database=${encodeURIComponent(name.database)}&table=${encodeURIComponent(name.table)}`;
      await exec(
        internal(
          `INSERT INTO ${quote(name.database)}.${quote(name.table)} SELECT * FROM url('${rows}', 'Native')`,
        ),
      );
    }
    return output;
  }

  /** The other doubles holding a table at this Keeper path (asked over HTTP; a stopped one is skipped). */
  async #replicasAt(path: string): Promise<{ url: string; entry: ReplicaEntry }[]> {
    const found: { url: string; entry: ReplicaEntry }[] = [];
    for (const url of this.topology.peers.filter((p) => p !== this.self)) {
      const res = await fetch(`${url}/_double/cluster`).catch(() => undefined);
      if (!res?.ok) continue;
      const state = (await res.json()) as { replicated: ReplicaEntry[] };
      for (const entry of state.replicated) if (entry.zookeeperPath === path) found.push({ url, entry });
    }
    return found;
  }

  /**
   * A query reading system.tables reads it with the Replicated tables shown as ClickHouse shows them: the
   * table is replaced by a subquery over it, with parameters for the values shown (none without such a table).
   */
  shownTables(sql: string): { sql: string; params: Record<string, string[]> } | undefined {
    const entries = [...this.#replicated.entries()];
    if (entries.length === 0 || !/\bsystem\.tables\b/i.test(sql)) return undefined;
    const param = (column: string) => `_stand_in_${column}`;
    const columns = SHOWN.map(
      (c) =>
        `transform(concat(database, '.', name), {${param('keys')}:Array(String)}, {${param(c)}:Array(String)}, ${c}) AS ${c}`,
    );
    const view = `(SELECT * REPLACE (${columns.join(', ')}) FROM system.tables)`;
    const params: Record<string, string[]> = { [param('keys')]: entries.map(([key]) => key) };
    for (const c of SHOWN) params[param(c)] = entries.map(([, entry]) => entry.shown[c]);
    return { sql: sql.replace(SYSTEM_TABLES, view), params };
  }
}
