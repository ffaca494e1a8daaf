// The rollout gate after the password Secret was rotated: the replicas not restarted yet still run with the
// previous password and refuse the new one. Counted as unhealthy, they held each other in every shard of
// two replicas, and no replica ever restarted onto the new password.
import { describe, expect, it } from 'vitest';
import { namesOf, renderCluster } from '../../cdk8s/index.ts';
import { cluster } from '../../cdk8s/testing/cluster.ts';
import type { KubeObject } from '../../kube/object.ts';
import type { Deps, ReconcileState } from '../reconcile/state.ts';
import { planRollout, type ReplicaState } from './rollout.ts';
import { rolloutGate } from './rollout-gate.ts';

const tc = cluster({ clickhouse: { shards: 1, replicas: 2 }, keeper: { replicas: 1 } });
const names = namesOf(tc);
const state = (): ReconcileState =>
  ({
    live: { metadata: tc.metadata } as KubeObject,
    tc,
    rendered: renderCluster(tc),
    secrets: new Map([[names.credentials, { password: Buffer.from('new').toString('base64') }]]),
    conditions: new Map(),
    status: {},
    step: 'clickhouse',
    writes: 0,
  }) as ReconcileState;

/**
 * A STAND-IN for the operator's dependencies: ClickHouse doubles that answer `answer(replica name)` (an
 * empty replication queue, or an error), and no StatefulSet in the cache.
 */
function depsWith(answer: (name: string) => Error | undefined): Deps {
  const replicas = [0, 1].map((r) => ({ shard: 0, replica: r, host: names.replicaHost(0, r), url: `u${r}` }));
  return {
    cache: { get: () => undefined },
    config: { clickhouse: { restartTimeoutMs: 1000 } },
    clickhouse: {
      replicas: () => replicas,
      use: async (replica: { replica: number }) => {
        const err = answer(names.replica(0, replica.replica));
        if (err) throw err;
        return 0;
      },
    },
  } as unknown as Deps;
}

const replica = (r: number, templateChanged: boolean): ReplicaState => ({
  name: names.replica(0, r),
  shard: 0,
  exists: true,
  templateChanged,
  ready: true,
});
const refused = () => new Error('Code: 516. DB::Exception: default: Authentication failed');

describe('rollout gate after a password rotation', () => {
  it('restarts one replica of a shard whose replicas both still run with the previous password', async () => {
    const replicas = [replica(0, true), replica(1, true)];
    const gate = await rolloutGate(replicas, state(), depsWith(refused));
    expect(gate.held).toBeUndefined();
    const plan = planRollout(gate.replicas);
    expect([...plan.values()].sort()).toEqual(['hold', 'restart']);
  });

  it('still checks a restarted replica in full: one that refuses the password holds its peer', async () => {
    const replicas = [replica(0, false), replica(1, true)];
    const gate = await rolloutGate(replicas, state(), depsWith(refused));
    expect(gate.waiting).toEqual([`${names.replica(0, 0)}: query failed: ${refused().message}`]);
    expect(planRollout(gate.replicas).get(names.replica(0, 1))).toBe('hold');
  });

  it('an error other than the password counts as unhealthy, as before', async () => {
    const replicas = [replica(0, true), replica(1, true)];
    const gate = await rolloutGate(
      replicas,
      state(),
      depsWith(() => new Error('connect ECONNREFUSED')),
    );
    expect([...planRollout(gate.replicas).values()]).toEqual(['hold', 'hold']);
  });
});
