// The ClickHouse-HTTP test double's cluster stand-in, through the unmodified @clickhouse/client (the store
// package): three doubles play a cluster `c` (shard 0: r0 and r1, shard 1: r2). ON CLUSTER reaches the hosts
// remote_servers lists, a Replicated table joins its Keeper path with ClickHouse's rules and fetches what
// its replicas hold, and system.tables shows what ClickHouse would. An operator test against it cannot
// pass on cluster DDL that ClickHouse would refuse or that leaves a host without its tables.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ClickHouseDouble,
  startClickHouseDouble,
} from '../../../operator/testing/clickhouse-doubles.ts';
import { ClickHouseStore } from '../../../store/index.ts';

const ids = [
  { shard: '0', replica: 'r0' },
  { shard: '0', replica: 'r1' },
  { shard: '1', replica: 'r2' },
];
let doubles: ClickHouseDouble[];
let stores: ClickHouseStore[];

beforeAll(async () => {
  doubles = await Promise.all(
    ids.map((macros) => startClickHouseDouble({ record: true, cluster: { name: 'c', macros } })),
  );
  stores = doubles.map((d) => new ClickHouseStore({ url: d.url, database: 'default' }));
  const urls = doubles.map((d) => d.url);
  // remote_servers lists r0 and r2 only: r1 is a replica added later, ON CLUSTER does not reach it yet.
  for (const d of doubles) await d.setTopology({ hosts: [urls[0]!, urls[2]!], peers: urls });
});

afterAll(async () => {
  await Promise.all((stores ?? []).map((s) => s.close()));
  await Promise.all((doubles ?? []).map((d) => d.remove()));
});

const count = async (i: number, sql: string) => {
  const [row] = await stores[i]!.query<{ n: string }>(sql);
  return Number(row?.n);
};
const tables = async (i: number) =>
  (
    await stores[i]!.query<{ name: string }>(
      "SELECT name FROM system.tables WHERE database = 'db' ORDER BY name",
    )
  ).map((r) => r.name);
const local = (columns: string, orderBy = 'k') =>
  `CREATE TABLE IF NOT EXISTS db.t_local (${columns}) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/db/t_local', '{replica}', v) ORDER BY ${orderBy}`;
/** The DDL a double received (what the test itself read is left out). */
const ddl = async (i: number) => (await doubles[i]!.statements()).filter((s) => !/^\s*SELECT/i.test(s));

describe('cluster stand-in', () => {
  it('runs ON CLUSTER on every host remote_servers lists and on no other', async () => {
    await stores[0]!.command("CREATE DATABASE IF NOT EXISTS db ON CLUSTER 'c'");
    // Comments are no clauses: the leading line names another cluster and engine.
    await stores[0]!.command(
      `-- not ON CLUSTER 'other', ENGINE = ReplicatedMergeTree('x', 'y')\n${local('k UInt32, v UInt32').replace('db.t_local', "db.t_local ON CLUSTER 'c'")}`,
    );
    expect(await tables(0)).toEqual(['t_local']);
    expect(await tables(2)).toEqual(['t_local']);
    const [row] = await stores[1]!.query<{ n: string }>(
      "SELECT count() AS n FROM system.databases WHERE name = 'db'",
    );
    expect(Number(row?.n)).toBe(0);
    expect(await ddl(2)).toEqual([
      'CREATE DATABASE IF NOT EXISTS db',
      expect.stringContaining('CREATE TABLE IF NOT EXISTS db.t_local ('),
    ]);
  });

  it.each([
    [
      'an unknown cluster',
      "CREATE DATABASE IF NOT EXISTS x ON CLUSTER 'other'",
      /Requested cluster 'other' not found/,
    ],
    ['what the parser refuses', "CREATE TABEL x ON CLUSTER 'c'", /Syntax error/],
  ])('refuses %s before any host runs it', async (_what, sql, message) => {
    await expect(stores[0]!.command(sql)).rejects.toThrow(message);
  });

  it('refuses ON CLUSTER while remote_servers lists no host of the cluster', async () => {
    const urls = doubles.map((d) => d.url);
    await doubles[0]!.setTopology({ hosts: [], peers: urls });
    await expect(stores[0]!.command("CREATE DATABASE IF NOT EXISTS y ON CLUSTER 'c'")).rejects.toThrow(
      /Requested cluster 'c' not found/,
    );
    await doubles[0]!.setTopology({ hosts: [urls[0]!, urls[2]!], peers: urls });
  });

  it('shows a Replicated table as ClickHouse does: its engine with the macros unexpanded', async () => {
    const [row] = await stores[0]!.query<{ engine: string; create_table_query: string }>(
      "SELECT engine, create_table_query FROM system.tables WHERE database = 'db' AND name = 't_local'",
    );
    expect(row?.engine).toBe('ReplicatedReplacingMergeTree');
    expect(row?.create_table_query).toContain(
      "ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/db/t_local', '{replica}', v) ORDER BY k",
    );
    const state = await doubles[0]!.clusterState();
    expect(state.replicated.map((e) => [e.zookeeperPath, e.replicaName])).toEqual([
      ['/clickhouse/tables/0/db/t_local', 'r0'],
    ]);
  });

  it('a replica joining a path fetches what is there; its inserts reach the path, not other shards', async () => {
    await stores[0]!.command('INSERT INTO db.t_local VALUES (1, 1), (2, 1)');
    await stores[1]!.command('CREATE DATABASE IF NOT EXISTS db');
    await stores[1]!.command(local('k UInt32, v UInt32'));
    expect(await count(1, 'SELECT count() AS n FROM db.t_local')).toBe(2);
    await stores[1]!.command('INSERT INTO db.t_local VALUES (3, 1)');
    expect(await count(0, 'SELECT count() AS n FROM db.t_local')).toBe(3);
    expect(await count(2, 'SELECT count() AS n FROM db.t_local')).toBe(0);
  });

  it('refuses to join a path with other columns, other metadata or a replica name already there', async () => {
    await stores[0]!.command("ALTER TABLE db.t_local ON CLUSTER 'c' ADD COLUMN IF NOT EXISTS w String");
    await stores[1]!.command('DROP TABLE db.t_local SYNC');
    await expect(stores[1]!.command(local('k UInt32, v UInt32'))).rejects.toThrow(
      /INCOMPATIBLE_COLUMNS|columns structure/,
    );
    await expect(stores[1]!.command(local('k UInt32, v UInt32, w String', '(k, v)'))).rejects.toThrow(
      /differs in sorting key/,
    );
    expect(await tables(1)).toEqual([]);
    const sameName = local('k UInt32, v UInt32, w String').replace("'{replica}'", "'r0'");
    await expect(stores[1]!.command(sameName)).rejects.toThrow(
      /Replica \/clickhouse\/tables\/0\/db\/t_local\/replicas\/r0 already exists/,
    );
    await stores[1]!.command(local('k UInt32, v UInt32, w String'));
    expect(await count(1, 'SELECT count() AS n FROM db.t_local')).toBe(3);
  });

  it('creates Distributed tables over the cluster by name', async () => {
    await stores[0]!.command(
      "CREATE TABLE IF NOT EXISTS db.t ON CLUSTER 'c' AS db.t_local ENGINE = Distributed('c', 'db', 't_local', k)",
    );
    expect(await tables(2)).toEqual(['t', 't_local']);
    await expect(
      stores[0]!.command("CREATE TABLE db.u AS db.t_local ENGINE = Distributed('other', 'db', 't_local', k)"),
    ).rejects.toThrow(/Requested cluster 'other' not found/);
  });
});
