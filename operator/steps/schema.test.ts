// The schema step against a ClickHouse it cannot reach (a TEST DOUBLE of ClickHouseAccess whose every
// connection is refused): the pass runs in the background and only once however often the step runs, the
// step stops at its gate while it runs, the completion is reported (the controller enqueues the cluster
// then), and the failure surfaces as the MigrationFailed condition, retried only after the requeue delay.
import { describe, expect, it, vi } from 'vitest';
import { credentialKeys, namesOf } from '../../cdk8s/index.ts';
import { cluster } from '../../cdk8s/testing/cluster.ts';
import { ConditionReason as Reason, ConditionType as Type } from '../../crds/conditions.ts';
import type { KubeObject } from '../../kube/object.ts';
import { type ClickHouseAccess, clickhouseAccess, latestSchemaVersion } from '../clickhouse.ts';
import { createLogger } from '../log.ts';
import { newState } from '../reconcile/runner.ts';
import type { Deps } from '../reconcile/state.ts';
import { clickhousePassword, schema } from './schema.ts';
import { schemaOwner, schemaTasks } from './schema-task.ts';

function setup(retryMs: number, status: unknown = {}, opts: { retryHangs?: boolean } = {}) {
  const tc = cluster({}, { uid: 'u1', generation: 1 });
  const names = namesOf(tc);
  const password = { data: { [credentialKeys.password]: Buffer.from('pw').toString('base64') } };
  const real = clickhouseAccess({ schemaMode: 'per-replica', endpoints: {} } as never);
  let connections = 0;
  const refusing: ClickHouseAccess = {
    schemaMode: 'per-replica',
    replicas: (t, shards) => real.replicas(t, shards),
    use: async () => {
      connections++;
      // A retry that never answers: a pass that is still running when the step looks again.
      if (opts.retryHangs && connections > 1) return new Promise<never>(() => undefined);
      throw new Error(`connect ECONNREFUSED ${names.replicaHost(0, 0)}:8123`);
    },
    close: async () => undefined,
  };
  const settled: { owner: string; changed: boolean }[] = [];
  const tasks = schemaTasks((owner, _r, changed) => settled.push({ owner, changed }));
  const deps = {
    clickhouse: refusing,
    schemaTasks: tasks,
    config: { queue: { progressRequeueMs: retryMs }, watch: { relistIntervalMs: 600_000 } },
    log: createLogger('error', {}, () => undefined),
    cache: {
      get: (_k: unknown, _ns: string, name: string) => (name === names.credentials ? password : undefined),
    },
  } as unknown as Deps;
  const live = { ...tc, status } as unknown as KubeObject;
  const run = async () => {
    const state = { ...newState(live), tc };
    const outcome = await schema.run(state, deps);
    return { outcome, state, condition: state.conditions.get(Type.SchemaReady) };
  };
  return { tc, tasks, settled, run, connections: () => connections };
}

describe('the schema step', () => {
  it('runs the pass in the background, once, and stops at its gate while it runs', async () => {
    const { tc, tasks, settled, run, connections } = setup(60_000);
    const first = await run();
    const second = await run();
    for (const r of [first, second]) {
      expect(r.outcome).toBe('stop');
      expect(r.condition).toMatchObject({ status: 'False', reason: Reason.MigrationsRunning });
      expect(r.state.requeueAfterMs).toBe(60_000);
    }
    expect(tasks.running(schemaOwner(tc))).toBeDefined();
    await tasks.drain(10_000);
    // One pass: its one connection attempt, and one completion reported for the cluster's key.
    expect(connections()).toBe(1);
    expect(settled).toEqual([{ owner: 'ns/demo', changed: true }]);
  });

  it('surfaces a failed pass as MigrationFailed, and retries it only after the requeue delay', async () => {
    const slow = setup(60_000);
    await slow.run();
    await slow.tasks.drain(10_000);
    const failed = await slow.run();
    expect(failed.outcome).toBe('stop');
    expect(failed.condition).toMatchObject({ status: 'False', reason: Reason.MigrationFailed });
    expect(failed.condition?.message).toContain('ECONNREFUSED');
    expect(slow.tasks.running(schemaOwner(slow.tc))).toBeUndefined();

    const fast = setup(0);
    await fast.run();
    await fast.tasks.drain(10_000);
    const retried = await fast.run();
    expect(retried.condition).toMatchObject({ reason: Reason.MigrationFailed });
    expect(fast.tasks.running(schemaOwner(fast.tc))).toBeDefined();
    await fast.tasks.drain(10_000);
    expect(fast.connections()).toBe(2);
  });

  it('while the retry of a failed pass runs, looks again after the requeue delay, not at once', async () => {
    const retryMs = 200;
    const { tc, tasks, run } = setup(retryMs, {}, { retryHangs: true });
    await run();
    await tasks.drain(10_000);
    const failedAt = tasks.last(schemaOwner(tc))?.at ?? 0;
    await vi.waitFor(() => expect(performance.now() - failedAt).toBeGreaterThanOrEqual(retryMs), {
      timeout: 5_000,
    });
    const retrying = await run();
    expect(tasks.running(schemaOwner(tc))).toBeDefined();
    // The failure is older than the delay and its retry has not answered: the retry's completion
    // enqueues the cluster, so the step must not ask to be run again within a millisecond.
    const again = await run();
    for (const r of [retrying, again]) {
      expect(r.condition).toMatchObject({ reason: Reason.MigrationFailed });
      expect(r.state.requeueAfterMs).toBe(retryMs);
    }
  });

  it('keeps an open gate of this generation open while the first pass after a restart runs', async () => {
    const verified = (generation: number) => ({
      appliedSchemaVersion: latestSchemaVersion(),
      conditions: [
        {
          type: 'SchemaReady',
          status: 'True',
          reason: 'Available',
          message: '',
          observedGeneration: generation,
        },
      ],
    });
    const same = setup(60_000, verified(1));
    const open = await same.run();
    expect(open.outcome).toBe('continue');
    expect(open.condition).toMatchObject({ status: 'True', reason: Reason.Available });
    expect(same.tasks.running(schemaOwner(same.tc))).toBeDefined();
    await same.tasks.drain(10_000);
    // The pass found ClickHouse unreachable: from now on its result decides.
    expect((await same.run()).condition).toMatchObject({ reason: Reason.MigrationFailed });

    const older = setup(60_000, verified(0));
    expect((await older.run()).condition).toMatchObject({ reason: Reason.MigrationsRunning });
    await older.tasks.drain(10_000);
  });
});

describe('the ClickHouse password', () => {
  const named = cluster({ clickhouse: { passwordSecretRef: { name: 'pw', key: 'password' } } });
  const depsWith = (secret: unknown) =>
    ({
      cache: { get: () => undefined },
      rest: { getOrUndefined: async () => secret },
    }) as unknown as Deps;

  // Regression: a named Secret not created yet was reported as "no key password", sending the user to
  // look at the keys of a Secret that does not exist.
  it.each([
    ['a missing Secret', undefined, 'read Secret pw: not found in namespace ns'],
    ['a Secret without the key', { data: { other: 'eA==' } }, 'read Secret pw: no key password'],
  ])('names what is missing: %s', async (_what, secret, message) => {
    await expect(clickhousePassword(named, depsWith(secret))).rejects.toThrow(message);
  });

  it('reads the key', async () => {
    const secret = { data: { password: Buffer.from('s3cret').toString('base64') } };
    expect(await clickhousePassword(named, depsWith(secret))).toBe('s3cret');
  });
});
