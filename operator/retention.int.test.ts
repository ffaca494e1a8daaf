// A retention changed on a running TrackerCluster (kubectl edit tc: spec.schema.retention) used to change
// nothing: the schema pass only ran migrations on replicas behind, so the existing tables kept the TTL they
// were created with, and rows were kept for ever (or deleted sooner) against what the resource said. The
// schema pass (ensure-schema.ts) on ClickHouse-HTTP test doubles (real chdb engine), one per replica, in
// both schema modes: per-replica (each replica's own single-node tables) and cluster (the cluster stand-in:
// ON CLUSTER over both hosts, Replicated X_local tables under Distributed X).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { macros } from '../cdk8s/clickhouse-config.ts';
import { clickhouseClusterName, namesOf } from '../cdk8s/names.ts';
import { cluster } from '../cdk8s/testing/cluster.ts';
import { ttlDays } from '../schema/index.ts';
import { ClickHouseStore } from '../store/index.ts';
import { type ClickHouseAccess, clickhouseAccess } from './clickhouse.ts';
import { parseConfig } from './config.ts';
import { ensureSchema } from './ensure-schema.ts';
import { type ClickHouseDouble, startDoubles } from './testing/clickhouse-doubles.ts';

const tcWith = (retention: object) =>
  cluster({ clickhouse: { shards: 1, replicas: 2 }, schema: { retention } }, { uid: 'u-retention' });
const names = namesOf(tcWith({}));
const ids = [0, 1].map((replica) => ({ shard: 0, replica }));
const hosts = ids.map((id) => names.replicaHost(id.shard, id.replica));

/** Each table's TTL in days on a host, by the name it is read under (cluster: X, from X_local). */
async function ttlsOn(d: ClickHouseDouble): Promise<Record<string, number>> {
  const store = new ClickHouseStore({ url: d.url, database: 'default' });
  const rows = await store.query<{ name: string; engine_full: string }>(
    "SELECT name, engine_full FROM system.tables WHERE database = 'tracker' AND name IN ('events', 'logs', 'events_local', 'logs_local')",
  );
  await store.close();
  const stored = rows.filter((r) => !/^Distributed/.test(r.engine_full));
  return Object.fromEntries(stored.map((r) => [r.name.replace(/_local$/, ''), ttlDays(r.engine_full)]));
}

describe.each(['per-replica', 'cluster'] as const)('a retention changed in %s schema mode', (mode) => {
  let doubles: Awaited<ReturnType<typeof startDoubles>>;
  let access: ClickHouseAccess;
  const pass = (retention: object) => {
    const tc = tcWith(retention);
    return ensureSchema(access, { tc, replicas: access.replicas(tc, 1), password: '' });
  };
  /** The statements each host received after `since` statements (the steady pass's). */
  const writesAfter = async (since: number[]) =>
    (await Promise.all(doubles.doubles.map((d) => d.statements())))
      .flatMap((s, i) => s.slice(since[i]))
      .filter((sql) => !/^\s*SELECT\b/i.test(sql));

  beforeAll(async () => {
    const playCluster = mode === 'cluster';
    doubles = await startDoubles(hosts, (i) => ({
      record: true,
      ...(playCluster ? { cluster: { name: clickhouseClusterName, macros: macros(names, ids[i]!) } } : {}),
    }));
    const urls = doubles.doubles.map((d) => d.url);
    if (playCluster)
      await Promise.all(doubles.doubles.map((d) => d.setTopology({ hosts: urls, peers: urls })));
    access = clickhouseAccess(
      parseConfig({ clickhouse: { schemaMode: mode, endpoints: doubles.endpoints } }).clickhouse,
    );
    // The cluster as created: every table keeps its rows for ever.
    const created = await pass({});
    expect(created.retention).toEqual([]);
    expect([...created.hosts.keys()]).toEqual(hosts);
  });

  afterAll(async () => {
    await access?.close();
    await doubles?.stop();
  });

  it('gives the existing tables the new TTL on every replica, and a second pass writes nothing', async () => {
    for (const d of doubles.doubles) expect(await ttlsOn(d)).toEqual({ events: 0, logs: 0 });

    const changed = await pass({ defaultDays: 30, tables: { logs: 7 } });
    for (const d of doubles.doubles) expect(await ttlsOn(d)).toEqual({ events: 30, logs: 7 });
    expect(changed.retention).toEqual(
      expect.arrayContaining([
        { table: 'events', from: 0, to: 30 },
        { table: 'logs', from: 0, to: 7 },
      ]),
    );

    const since = await Promise.all(doubles.doubles.map(async (d) => (await d.statements()).length));
    const steady = await pass({ defaultDays: 30, tables: { logs: 7 } });
    expect(steady.retention).toEqual([]);
    expect(await writesAfter(since)).toEqual([]);
  });

  it('removes the TTL when the retention goes back to keeping for ever', async () => {
    const back = await pass({});
    for (const d of doubles.doubles) expect(await ttlsOn(d)).toEqual({ events: 0, logs: 0 });
    expect(back.retention).toEqual(
      expect.arrayContaining([
        { table: 'events', from: 30, to: 0 },
        { table: 'logs', from: 7, to: 0 },
      ]),
    );
  });
});
