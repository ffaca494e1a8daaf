// A retention changed on a running TrackerCluster (kubectl edit tc: spec.schema.retention) used to change
// nothing: the schema pass only ran migrations on replicas behind, so the existing tables kept the TTL they
// were created with, and rows were kept for ever (or deleted sooner) against what the resource said. The
// schema pass (ensure-schema.ts) on ClickHouse-HTTP test doubles (real chdb engine), one per replica, in
// both schema modes: per-replica (each replica's own single-node tables) and cluster (the cluster stand-in:
// ON CLUSTER over both hosts, Replicated X_local tables under Distributed X). A host whose TTL differs from
// the first replica's is found, and a TTL change refused by a host (a fake fault: busy-ttl.ts) fails
// nothing else: what changed is reported with the failure, and the next pass changes the rest.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { macros } from '../cdk8s/clickhouse-config.ts';
import { clickhouseClusterName, namesOf } from '../cdk8s/names.ts';
import { cluster } from '../cdk8s/testing/cluster.ts';
import { buildCatalog, ttlDays } from '../schema/index.ts';
import { ClickHouseStore } from '../store/index.ts';
import { type ClickHouseAccess, clickhouseAccess } from './clickhouse.ts';
import { parseConfig } from './config.ts';
import { ensureSchema } from './ensure-schema.ts';
import { busyTtl } from './testing/busy-ttl.ts';
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

/** Changes the TTL of `logs` on one host alone (by hand, or an ON CLUSTER ALTER that reached only it). */
async function setLogsTtlOn(d: ClickHouseDouble, mode: string, days: number): Promise<void> {
  const column = buildCatalog().get('logs')?.ageColumn;
  const table = mode === 'cluster' ? 'logs_local' : 'logs';
  const store = new ClickHouseStore({ url: d.url, database: 'default' });
  await store.command(`ALTER TABLE tracker.${table} MODIFY TTL toDateTime(${column}) + INTERVAL ${days} DAY`);
  await store.close();
}

describe.each(['per-replica', 'cluster'] as const)('a retention changed in %s schema mode', (mode) => {
  let doubles: Awaited<ReturnType<typeof startDoubles>>;
  let access: ClickHouseAccess;
  const pass = (retention: object, through: ClickHouseAccess = access) => {
    const tc = tcWith(retention);
    return ensureSchema(through, { tc, replicas: through.replicas(tc, 1), password: '' });
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
        { table: 'events', from: 0, to: 30, hosts },
        { table: 'logs', from: 0, to: 7, hosts },
      ]),
    );
    expect(changed.settingsError).toBeUndefined();

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
        { table: 'events', from: 30, to: 0, hosts },
        { table: 'logs', from: 7, to: 0, hosts },
      ]),
    );
  });

  // Regression (cluster mode): only the first replica's TTLs were read, so a host that differed was never
  // aligned and nothing said so.
  it("finds a host whose TTL differs from the first replica's, and aligns it", async () => {
    await pass({ defaultDays: 30 });
    await setLogsTtlOn(doubles.doubles[1]!, mode, 1);
    expect(await ttlsOn(doubles.doubles[1]!)).toEqual({ events: 30, logs: 1 });

    const aligned = await pass({ defaultDays: 30 });
    for (const d of doubles.doubles) expect(await ttlsOn(d)).toEqual({ events: 30, logs: 30 });
    expect(aligned.retention).toEqual([{ table: 'logs', from: 1, to: 30, hosts: [hosts[1]] }]);

    const since = await Promise.all(doubles.doubles.map(async (d) => (await d.statements()).length));
    expect((await pass({ defaultDays: 30 })).retention).toEqual([]);
    expect(await writesAfter(since)).toEqual([]);
  });

  // Regression: a refused TTL change failed the whole pass, and what another host (or table) had already
  // changed was never reported; the retry reported only the rest.
  it('reports what changed when a host refuses a TTL change, and the next pass changes the rest', async () => {
    // Cluster mode sends every ALTER (ON CLUSTER) from the first replica: that is where it fails.
    const refusing = mode === 'cluster' ? 0 : 1;
    // Every table with an age changes; these two stand for them (the ones after logs wait for the retry).
    const ofEventsAndLogs = (r: { retention: readonly { table: string }[] }) =>
      r.retention.filter((c) => c.table === 'events' || c.table === 'logs');
    const busy = busyTtl(access);
    busy.refuse(hosts[refusing]!, 'logs');
    const failed = await pass({ defaultDays: 7 }, busy.access);
    expect(failed.settingsError).toMatch(
      new RegExp(`apply retention on ${hosts[refusing]}: apply retention to logs: .*replica busy`),
    );
    const logsChanged = mode === 'cluster' ? [] : [hosts[0]];
    expect(ofEventsAndLogs(failed)).toEqual([
      { table: 'events', from: 30, to: 7, hosts },
      ...(logsChanged.length > 0 ? [{ table: 'logs', from: 30, to: 7, hosts: logsChanged }] : []),
    ]);
    expect(await ttlsOn(doubles.doubles[refusing]!)).toEqual({ events: 7, logs: 30 });

    busy.heal();
    const retried = await pass({ defaultDays: 7 }, busy.access);
    expect(retried.settingsError).toBeUndefined();
    const rest = hosts.filter((h) => !logsChanged.includes(h));
    expect(ofEventsAndLogs(retried)).toEqual([{ table: 'logs', from: 30, to: 7, hosts: rest }]);
    for (const d of doubles.doubles) expect(await ttlsOn(d)).toEqual({ events: 7, logs: 7 });
  });
});
