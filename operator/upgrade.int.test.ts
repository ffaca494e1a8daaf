// A ClickHouse version upgrade on the real control plane (pods simulated by kwok): Keeper rolls out first,
// then one ClickHouse replica per shard at a time, each healthy and caught up (its replication queue empty)
// before the next; a replica that stays unhealthy after its restart stops the rollout with a condition.
// ClickHouse is one test double per replica; their replication stand-in sets each one's replication queue.
// The order is read from one watch of the StatefulSets (events arrive in etcd's order).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../kube/object.ts';
import { type Fixture, startFixture } from './testing/fixture.ts';
import {
  condition,
  createTc,
  getTc,
  list,
  patchTc,
  reconcileOnce,
  stsPath,
  waitFor,
  waitForCondition,
} from './testing/harness.ts';
import { imageOf, rolledOut, type Snapshot, watchStatefulSets } from './testing/timeline.ts';

const name = 'upgrade';
const images = (v: string) => ({
  clickhouse: { image: `clickhouse/clickhouse-server:${v}` },
  keeper: { image: `clickhouse/clickhouse-keeper:${v}` },
});
const spec = { clickhouse: { shards: 1, replicas: 2 }, keeper: { replicas: 3 }, ingest: { replicas: 1 } };
let f: Fixture;

beforeAll(async () => {
  f = await startFixture({
    prefix: 'op-upgrade',
    name,
    hosts: { shards: 1, replicas: 2 },
    doubles: { replication: true },
    config: { clickhouse: { restartTimeoutMs: 3000 } },
  });
  await createTc(f.rest, f.ns, name, spec);
  await waitForCondition(f.rest, f.ns, name, 'Ready', 'True', { timeoutMs: 90_000 });
});

afterAll(async () => {
  await f?.stop();
});

/** Replica r's replication queue as the stand-in shows it. */
const queue = (r: number, entries: number) =>
  f.double(0, r).setReplication({
    tables: [
      {
        database: 'tracker',
        table: 'events_local',
        replicaName: f.names.replica(0, r),
        zookeeperPath: '/clickhouse/tables/0/tracker/events_local',
        replicas: { [f.names.replica(0, 0)]: true, [f.names.replica(0, 1)]: true },
        queue: entries,
      },
    ],
  });
const chImage = async (r: number) =>
  imageOf(await f.rest.request<KubeObject>('get', stsPath(f.ns, f.names.replica(0, r))));

describe('ClickHouse upgrade', () => {
  it('rolls Keeper out first, then one replica at a time, each caught up before the next', async () => {
    await queue(0, 2);
    await queue(1, 0);
    const timeline = await watchStatefulSets(f.rest, f.ns);
    await patchTc(f.rest, f.ns, name, { spec: images('25.9') });
    // The first replica restarts; the second waits while the first still has entries to replicate.
    await waitForCondition(f.rest, f.ns, name, 'ClickHouseReady', 'False', { reason: 'RestartInProgress' });
    await waitFor(
      async () =>
        (condition(await getTc(f.rest, f.ns, name), 'ClickHouseReady')?.message ?? '').includes(
          `${f.names.replica(0, 0)}: replication queue: 2 entries`,
        ),
      { what: 'the condition to say the next restart waits for the replication queue' },
    );
    await reconcileOnce(f.op);
    expect(await chImage(0)).toBe('clickhouse/clickhouse-server:25.9');
    expect(await chImage(1)).not.toBe('clickhouse/clickhouse-server:25.9');
    await queue(0, 0);
    await waitForCondition(f.rest, f.ns, name, 'Ready', 'True');
    timeline.stop();
    const order = upgradeOrder(timeline.snapshots, '25.9');
    expect(order.keeperRolledOutFirst).toBe(true);
    expect(order.replicas).toEqual([f.names.replica(0, 0), f.names.replica(0, 1)]);
    expect(order.maxBusy).toBe(1);
  });

  it('stops the rollout when a restarted replica stays unhealthy, and resumes once it recovers', async () => {
    await f.double(0, 0).stop();
    await patchTc(f.rest, f.ns, name, { spec: { clickhouse: images('25.10').clickhouse } });
    const failed = await waitForCondition(f.rest, f.ns, name, 'ClickHouseReady', 'False', {
      reason: 'RolloutFailed',
    });
    expect(condition(failed, 'ClickHouseReady')?.message).toContain(
      `${f.names.replica(0, 0)} is not healthy`,
    );
    expect(await chImage(0)).toBe('clickhouse/clickhouse-server:25.10');
    await reconcileOnce(f.op);
    expect(await chImage(1)).toBe('clickhouse/clickhouse-server:25.9');
    // The Event is written right after the status it reports.
    await waitFor(
      async () =>
        (await list(f.rest, `/api/v1/namespaces/${f.ns}/events`)).some((e) => {
          const event = e as { type?: string; reason?: string };
          return event.reason === 'RolloutFailed' && event.type === 'Warning';
        }),
      { what: 'a Warning Event RolloutFailed' },
    );
    await f.double(0, 0).start();
    await waitForCondition(f.rest, f.ns, name, 'Ready', 'True');
    expect(await chImage(1)).toBe('clickhouse/clickhouse-server:25.10');
  });
});

/** From the timeline: was Keeper rolled out on the new image when the first ClickHouse template changed, in
 * which order did replicas change, and how many of one shard were ever mid-restart at once. */
function upgradeOrder(snapshots: readonly Snapshot[], version: string) {
  const isNew = (s: KubeObject | undefined) => imageOf(s)?.endsWith(`:${version}`) ?? false;
  const ch = (snap: Snapshot) => [...snap.values()].filter((s) => s.metadata.name.includes('-ch-'));
  let keeperRolledOutFirst: boolean | undefined;
  const replicas: string[] = [];
  let maxBusy = 0;
  for (const snap of snapshots) {
    for (const s of ch(snap)) {
      if (!isNew(s) || replicas.includes(s.metadata.name)) continue;
      replicas.push(s.metadata.name);
      const keeper = snap.get(f.names.keeper);
      keeperRolledOutFirst ??= isNew(keeper) && rolledOut(keeper);
    }
    maxBusy = Math.max(maxBusy, ch(snap).filter((s) => !rolledOut(s)).length);
  }
  return { keeperRolledOutFirst, replicas, maxBusy };
}
