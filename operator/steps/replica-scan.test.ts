// The retire step's background scan of system.replicas: started when none is current, read from then
// on, read again when the cluster's replica StatefulSets change, and soon again (after the requeue
// delay) only while Keeper lists a name the cluster renders no more.
import { describe, expect, it } from 'vitest';
import { cluster } from '../../cdk8s/testing/cluster.ts';
import type { ClickHouseAccess, Replica } from '../clickhouse.ts';
import type { Deps } from '../reconcile/state.ts';
import { currentScan, type ReplicaScan, replicaScans, type ScanTarget } from './replica-scan.ts';

const survivor: Replica = { shard: 0, replica: 0, host: 'demo-ch-0-0', url: 'http://double:8123' };

function setup(retryMs: number) {
  let active: Record<string, number> = { 'demo-ch-0-0': 1 };
  let reads = 0;
  const clickhouse = {
    use: async (_r: Replica, _p: string, fn: (sql: unknown) => Promise<unknown>) => {
      reads++;
      const rows = [{ table: 'events_local', replica_name: 'demo-ch-0-0', replica_is_active: active }];
      return fn({ query: async () => rows });
    },
  } as unknown as ClickHouseAccess;
  const enqueued: string[] = [];
  const scans = replicaScans((owner, _r, changed) => changed && enqueued.push(owner));
  const deps = {
    clickhouse,
    replicaScans: scans,
    config: { queue: { progressRequeueMs: retryMs }, watch: { relistIntervalMs: 600_000 } },
  } as unknown as Deps;
  const tc = cluster({}, { name: 'demo', namespace: 'ns', uid: 'u1' });
  const target = (sets: string[]): ScanTarget => ({
    tc,
    shards: 1,
    database: 'tracker',
    password: 'pw',
    survivors: new Map([[0, survivor]]),
    sets,
  });
  const unrendered = (s: ReplicaScan) =>
    [...s.values()].some((ts) => ts.some((t) => Object.keys(t.replicas).some((n) => n !== 'demo-ch-0-0')));
  return {
    scans,
    deps,
    target,
    unrendered,
    enqueued,
    reads: () => reads,
    setActive: (a: Record<string, number>) => {
      active = a;
    },
  };
}

describe('the replica scan', () => {
  it('runs in the background, is read once current, and reports its completion', async () => {
    const s = setup(60_000);
    expect(currentScan(s.target(['demo-ch-0-0']), s.deps, s.unrendered)).toBeUndefined();
    await s.scans.drain(1000);
    const known = currentScan(s.target(['demo-ch-0-0']), s.deps, s.unrendered);
    expect(known?.value?.get(0)?.[0]?.replicas).toEqual({ 'demo-ch-0-0': true });
    await s.scans.drain(1000);
    expect(s.reads()).toBe(1);
    expect(s.enqueued).toEqual(['ns/demo#replicas']);
  });

  it('reads again when the replica StatefulSets change', async () => {
    const s = setup(60_000);
    currentScan(s.target(['demo-ch-0-0', 'demo-ch-0-1']), s.deps, s.unrendered);
    await s.scans.drain(1000);
    expect(currentScan(s.target(['demo-ch-0-0']), s.deps, s.unrendered)).toBeUndefined();
    await s.scans.drain(1000);
    expect(s.reads()).toBe(2);
  });

  it('reads again after the requeue delay only while Keeper lists a name the cluster no longer renders', async () => {
    const s = setup(0);
    currentScan(s.target([]), s.deps, s.unrendered);
    await s.scans.drain(1000);
    currentScan(s.target([]), s.deps, s.unrendered);
    await s.scans.drain(1000);
    expect(s.reads()).toBe(1);

    const stale = setup(0);
    stale.setActive({ 'demo-ch-0-0': 1, 'demo-ch-0-1': 1 });
    currentScan(stale.target([]), stale.deps, stale.unrendered);
    await stale.scans.drain(1000);
    stale.setActive({ 'demo-ch-0-0': 1, 'demo-ch-0-1': 0 });
    currentScan(stale.target([]), stale.deps, stale.unrendered);
    await stale.scans.drain(1000);
    expect(stale.reads()).toBe(2);
    // The pod stopped: the new result differs, so the cluster is enqueued to drop it.
    expect(stale.enqueued).toHaveLength(2);
    expect(currentScan(stale.target([]), stale.deps, stale.unrendered)?.value?.get(0)?.[0]?.replicas).toEqual(
      {
        'demo-ch-0-0': true,
        'demo-ch-0-1': false,
      },
    );
  });
});
