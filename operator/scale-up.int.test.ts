// Adding ClickHouse hosts in `cluster` schema mode, on the real control plane (pods simulated by kwok).
// Each host is a ClickHouse-HTTP test double playing its host of the cluster (the cluster stand-in: ON
// CLUSTER over the hosts remote_servers lists, Replicated tables joining their Keeper path with ClickHouse's
// rules and fetching what the path holds). The migration record is one replicated table, so a host added
// later reads the cluster's record as soon as that table exists on it, whatever else it holds: the operator
// must create the host's tables from a host that holds them, and verify each host's tables, not only its
// record.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClickHouseStore } from '../store/index.ts';
import type { ClickHouseDouble } from './testing/clickhouse-doubles.ts';
import { type Fixture, startFixture } from './testing/fixture.ts';
import { condition, createTc, list, patchTc, waitFor, waitForCondition } from './testing/harness.ts';

const name = 'grow';
const spec = { clickhouse: { shards: 1, replicas: 1 }, keeper: { replicas: 1 }, ingest: { replicas: 1 } };
let f: Fixture;
const stores = new Map<ClickHouseDouble, ClickHouseStore>();

beforeAll(async () => {
  f = await startFixture({
    prefix: 'op-grow',
    name,
    hosts: { shards: 2, replicas: 2 },
    doubles: { record: true, cluster: true },
    config: { clickhouse: { schemaMode: 'cluster' } },
  });
  await f.remoteServers(1, 1);
  await createTc(f.rest, f.ns, name, spec);
  await waitForCondition(f.rest, f.ns, name, 'Ready', 'True', { timeoutMs: 90_000 });
  // Rows the first host holds before any host is added: a new replica must fetch them.
  await sql(f.double(0, 0)).command(
    `INSERT INTO tracker.events_local (eid, vid, oid, ename, etyp, created_at) SELECT generateUUIDv4(),
     generateUUIDv4(), toUUID('00000000-0000-0000-0000-000000000001'), 'view', 'page', now64(3) FROM numbers(5)`,
  );
});

afterAll(async () => {
  await Promise.all([...stores.values()].map((s) => s.close()));
  await f?.stop();
});

function sql(d: ClickHouseDouble): ClickHouseStore {
  let store = stores.get(d);
  if (!store) {
    store = new ClickHouseStore({ url: d.url, database: 'default' });
    stores.set(d, store);
  }
  return store;
}

type Table = { name: string; engine: string; create_table_query: string };
/** The tracker database's tables and views on a host, as system.tables shows them. */
const tablesOn = (d: ClickHouseDouble) =>
  sql(d).query<Table>(
    "SELECT name, engine, create_table_query FROM system.tables WHERE database = 'tracker' ORDER BY name",
  );
/** Rows per table that stores rows (MergeTree family; views and Distributed tables hold none here). */
async function rowsOn(d: ClickHouseDouble): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const t of await tablesOn(d)) {
    if (!t.engine.includes('MergeTree')) continue;
    const [row] = await sql(d).query<{ n: string }>(`SELECT count() AS n FROM tracker.\`${t.name}\``);
    counts[t.name] = Number(row?.n);
  }
  return counts;
}
const onCluster = async (d: ClickHouseDouble) =>
  (await d.statements()).filter((s) => /\bON CLUSTER\b/i.test(s)).length;
async function events(reason: string) {
  const all = (await list(f.rest, `/api/v1/namespaces/${f.ns}/events`)) as unknown as {
    reason?: string;
    type?: string;
    message?: string;
  }[];
  return all.filter((e) => e.reason === reason);
}

describe('hosts added in cluster schema mode', () => {
  it('the first host holds the cluster rendering, applied ON CLUSTER', async () => {
    const tables = await tablesOn(f.double(0, 0));
    const engine = (n: string) => tables.find((t) => t.name === n)?.engine;
    expect(engine('events_local')).toBe('ReplicatedMergeTree');
    expect(engine('events')).toBe('Distributed');
    expect(engine('schema_migrations')).toBe('ReplicatedReplacingMergeTree');
    expect(await onCluster(f.double(0, 0))).toBeGreaterThan(0);
  });

  it('a replica added to a running cluster gets every table and the rows of its shard (regression: it got none, yet the cluster went Ready)', async () => {
    const clusterDdl = await onCluster(f.double(0, 0));
    await f.remoteServers(1, 2);
    await patchTc(f.rest, f.ns, name, { spec: { clickhouse: { replicas: 2 } } });
    const tc = await waitForCondition(f.rest, f.ns, name, 'Ready', 'True', { timeoutMs: 90_000 });
    expect(condition(tc, 'SchemaReady')?.message).toContain('2 replicas');
    const [first, added] = [f.double(0, 0), f.double(0, 1)];
    // Every table and view, defined as on the first host (Replicated engines, macros unexpanded).
    expect(await tablesOn(added)).toEqual(await tablesOn(first));
    const rows = await rowsOn(added);
    expect(rows).toEqual(await rowsOn(first));
    expect(rows.events_local).toBe(5);
    expect(rows.schema_migrations).toBeGreaterThan(0);
    // Created on the new host alone: nothing ran ON CLUSTER again.
    expect(await onCluster(first)).toBe(clusterDdl);
    await waitFor(async () => (await events('TablesCopied')).length > 0, { what: 'a TablesCopied Event' });
    expect((await events('TablesCopied'))[0]?.message).toContain(f.names.replicaHost(0, 1));
    // The new replica holds the path: what the first host receives from now on reaches it.
    await sql(first).command(
      "INSERT INTO tracker.events_local (eid, oid, ename, created_at) VALUES (generateUUIDv4(), toUUID('00000000-0000-0000-0000-000000000001'), 'later', now64(3))",
    );
    expect((await rowsOn(added)).events_local).toBe(6);
  });

  it('a shard whose tables ClickHouse refuses to create leaves the cluster not Ready with TableCopyFailed, and is completed once the cause is gone', async () => {
    const [first, added] = [f.double(0, 0), f.double(1, 0)];
    // Keeper still lists the new shard's first replica at events_local's path (metadata left behind, e.g. by
    // a volume deleted by hand without the replica being dropped). In the stand-in a table registered under
    // that name at that path, in another database of the first host, is that metadata.
    const local = (await tablesOn(first)).find((t) => t.name === 'events_local');
    const stale = local!.create_table_query
      .replace('CREATE TABLE tracker.events_local', 'CREATE TABLE stale.events_local')
      .replace("'/clickhouse/tables/{shard}/", "'/clickhouse/tables/1/")
      .replace("'{replica}'", `'${f.names.replica(1, 0)}'`);
    await sql(first).command('CREATE DATABASE IF NOT EXISTS stale');
    await sql(first).command(stale);

    await f.remoteServers(2, 2);
    await patchTc(f.rest, f.ns, name, { spec: { clickhouse: { shards: 2 } } });
    const failed = await waitForCondition(f.rest, f.ns, name, 'SchemaReady', 'False', {
      reason: 'TableCopyFailed',
      timeoutMs: 90_000,
    });
    const message = condition(failed, 'SchemaReady')?.message ?? '';
    expect(message).toContain(`copy tables to ${f.names.replicaHost(1, 0)}`);
    expect(message).toContain(`replicas/${f.names.replica(1, 0)} already exists`);
    expect(condition(failed, 'Ready')).toMatchObject({ status: 'False', reason: 'TableCopyFailed' });
    await waitFor(async () => (await events('TableCopyFailed')).some((e) => e.type === 'Warning'), {
      what: 'a TableCopyFailed Warning Event',
    });

    // What the user does: SYSTEM DROP REPLICA for the stale name; here the stand-in's registration goes.
    await sql(first).command('DROP TABLE stale.events_local SYNC');
    await waitForCondition(f.rest, f.ns, name, 'Ready', 'True', { timeoutMs: 90_000 });
    for (const r of [0, 1]) expect(await tablesOn(f.double(1, r))).toEqual(await tablesOn(first));
    // Its own shard's data (none yet); the cluster-wide record and rollup rules, fetched.
    const rows = await rowsOn(added);
    expect(rows.events_local).toBe(0);
    const firstRows = await rowsOn(first);
    expect(rows.schema_migrations).toBe(firstRows.schema_migrations);
    expect(rows.rollup_settings).toBe(firstRows.rollup_settings);
    expect(rows.rollup_settings).toBeGreaterThan(0);
  });
});
