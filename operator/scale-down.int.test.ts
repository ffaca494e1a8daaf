// Replica scale-down on the real control plane (pods simulated by kwok). ClickHouse is one test double per
// replica; their replication stand-in shows what Keeper-backed replication would (system.replicas), and
// each double records the statements it received, so the test sees what the operator ran where. The
// operator runs the per-replica schema rendering (the doubles have no Keeper); retiring replicas reads
// system.replicas in either mode, so what it does here is what it does in a cluster.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubectlOk } from '../e2e/env/kubectl.ts';
import type { ReplicatedTable } from '../e2e/support/clickhouse-http/replication.ts';
import type { KubeObject } from '../kube/object.ts';
import { replicaDroppedAnnotation } from './steps/claims.ts';
import { type Fixture, startFixture } from './testing/fixture.ts';
import {
  createTc,
  getTc,
  list,
  patchTc,
  quiesce,
  reconcileOnce,
  stsPath,
  waitFor,
  waitForCondition,
} from './testing/harness.ts';

const name = 'shrink';
const spec = { clickhouse: { shards: 1, replicas: 3 }, keeper: { replicas: 1 }, ingest: { replicas: 1 } };
let f: Fixture;

beforeAll(async () => {
  f = await startFixture({
    prefix: 'op-shrink',
    name,
    hosts: { shards: 1, replicas: 3 },
    doubles: { record: true, replication: true },
    // A held sync must not run into the client's timeout while the test looks at the cluster.
    config: { clickhouse: { requestTimeoutMs: 120_000 } },
  });
  await createTc(f.rest, f.ns, name, spec);
  await waitForCondition(f.rest, f.ns, name, 'Ready', 'True', { timeoutMs: 90_000 });
});

afterAll(async () => {
  await f?.stop();
});

/** What Keeper-backed replication shows on replica `r`: two tables, three replicas and someone else's. */
function tables(r: number, active: Record<string, boolean>): ReplicatedTable[] {
  const replica = (i: number) => f.names.replica(0, i);
  return [
    {
      database: 'tracker',
      table: 'events_local',
      replicaName: replica(r),
      zookeeperPath: '/clickhouse/tables/0/tracker/events_local',
      replicas: {
        ...Object.fromEntries([0, 1, 2].map((i) => [replica(i), active[replica(i)] ?? true])),
        other: false,
      },
      queue: 0,
    },
    {
      database: 'tracker',
      table: 'schema_migrations',
      replicaName: `0-${replica(r)}`,
      zookeeperPath: '/clickhouse/tables/all/tracker/schema_migrations',
      replicas: Object.fromEntries([0, 1, 2].map((i) => [`0-${replica(i)}`, active[replica(i)] ?? true])),
      queue: 0,
    },
  ];
}

const survivor = () => f.double(0, 0);
const systemStatements = async () => (await survivor().statements()).filter((s) => /^\s*SYSTEM/i.test(s));
const leaving = () => stsPath(f.ns, f.names.replica(0, 2));
const claim = () => `/api/v1/namespaces/${f.ns}/persistentvolumeclaims/data-${f.names.replica(0, 2)}-0`;

describe('replica scale-down', () => {
  it('reconciles while the sync on the survivor still runs, and keeps the leaving replica', async () => {
    for (const r of [0, 1, 2]) await f.double(0, r).setReplication({ tables: tables(r, {}) });
    await survivor().setReplication({ tables: tables(0, {}), syncHeld: true });
    await patchTc(f.rest, f.ns, name, { spec: { clickhouse: { replicas: 2 } } });
    const running = { reason: 'ReplicaSyncRunning' };
    await waitForCondition(f.rest, f.ns, name, 'ClickHouseReady', 'False', running);
    const sync = 'SYSTEM SYNC REPLICA `tracker`.`events_local` LIGHTWEIGHT';
    await waitFor(async () => (await systemStatements()).includes(sync), {
      what: 'the sync to reach the survivor',
    });
    // The sync is held on the survivor now: reconciles still complete, and keep the replica.
    await reconcileOnce(f.op);
    const tc = await waitForCondition(f.rest, f.ns, name, 'ClickHouseReady', 'False', running);
    expect(JSON.stringify(tc.status)).toContain(f.names.replica(0, 2));
    expect(await f.rest.getOrUndefined(leaving())).toBeDefined();
  });

  it('keeps the leaving replica until the survivor has fetched its parts', async () => {
    // The held sync is released and fails, as a stuck fetch would.
    await survivor().setReplication({ tables: tables(0, {}), syncFails: 'Timeout exceeded while syncing' });
    const tc = await waitForCondition(f.rest, f.ns, name, 'ClickHouseReady', 'False', {
      reason: 'ReplicaSyncPending',
    });
    expect(JSON.stringify(tc.status)).toContain('Timeout exceeded while syncing');
    expect(await f.rest.getOrUndefined(leaving())).toBeDefined();
    expect(await systemStatements()).toContain('SYSTEM SYNC REPLICA `tracker`.`events_local` LIGHTWEIGHT');
  });

  it('deletes it once the sync succeeds, and drops nothing while it is still active', async () => {
    await survivor().setReplication({ tables: tables(0, {}) });
    await waitFor(async () => (await f.rest.getOrUndefined(leaving())) === undefined, {
      what: 'the leaving replica StatefulSet to be deleted',
    });
    await reconcileOnce(f.op);
    expect((await systemStatements()).filter((s) => s.includes('DROP'))).toEqual([]);
  });

  it('drops its Keeper metadata once it is inactive, and only its own names', async () => {
    await survivor().setReplication({ tables: tables(0, { [f.names.replica(0, 2)]: false }) });
    await waitForCondition(f.rest, f.ns, name, 'Ready', 'True');
    const dropped = (s: string) => s.startsWith('SYSTEM DROP') && s.includes('schema_migrations');
    await waitFor(async () => (await systemStatements()).some(dropped), {
      what: 'the drop statements on the survivor',
    });
    expect((await systemStatements()).filter((s) => s.includes('DROP'))).toEqual([
      `SYSTEM DROP REPLICA '${f.names.replica(0, 2)}' FROM TABLE \`tracker\`.\`events_local\``,
      `SYSTEM DROP REPLICA '0-${f.names.replica(0, 2)}' FROM TABLE \`tracker\`.\`schema_migrations\``,
    ]);
    const left = await survivor().replication();
    expect(Object.keys(left.tables[0]?.replicas ?? {}).sort()).toEqual(
      [f.names.replica(0, 0), f.names.replica(0, 1), 'other'].sort(),
    );
    const pvc = await f.rest.request<KubeObject>('get', claim());
    expect(pvc.metadata.annotations?.[replicaDroppedAnnotation]).toBeDefined();
    // Events are written right after what they report.
    await waitFor(
      async () => {
        const reasons = (await list(f.rest, `/api/v1/namespaces/${f.ns}/events`)).map(
          (e) => (e as { reason?: string }).reason,
        );
        return reasons.includes('ReplicaRetired') && reasons.includes('ReplicaDropped');
      },
      { what: 'the ReplicaRetired and ReplicaDropped Events' },
    );
  });

  it('then makes no write and runs no drop again', async () => {
    await quiesce(f.op);
    const drops = (await systemStatements()).length;
    const since = Date.now();
    await reconcileOnce(f.op);
    expect(f.op.proxy.writes(since)).toEqual([]);
    expect(await systemStatements()).toHaveLength(drops);
  });

  it('does not start the replica again on its marked volume; it does once the volume is deleted', async () => {
    await patchTc(f.rest, f.ns, name, { spec: { clickhouse: { replicas: 3 } } });
    const tc = await waitForCondition(f.rest, f.ns, name, 'ClickHouseReady', 'False', {
      reason: 'StaleReplicaVolume',
    });
    expect(JSON.stringify(tc.status)).toContain(`data-${f.names.replica(0, 2)}-0`);
    expect(await f.rest.getOrUndefined(leaving())).toBeUndefined();
    kubectlOk(f.kubeconfig, ['-n', f.ns, 'delete', 'pvc', `data-${f.names.replica(0, 2)}-0`, '--wait']);
    await waitForCondition(f.rest, f.ns, name, 'Ready', 'True');
    expect(((await getTc(f.rest, f.ns, name)).status as { clickhouse?: unknown }).clickhouse).toMatchObject({
      replicas: 3,
      readyReplicas: 3,
    });
  });
});
