// The ClickHouseReady gate, called directly on a rendered cluster whose ClickHouse pods are not ready. A
// password Secret the spec names and nobody made (examples/production.yaml asks for it to be created
// first) kept the pods from starting, and the gate said only "0/4 ClickHouse hosts ready".
import { describe, expect, it } from 'vitest';
import { renderCluster } from '../../cdk8s/index.ts';
import { cluster } from '../../cdk8s/testing/cluster.ts';
import type { KubeObject } from '../../kube/object.ts';
import type { Deps, ReconcileState } from '../reconcile/state.ts';
import { clickhouseReady } from './clickhouse.ts';

const tc = cluster({
  clickhouse: { shards: 2, replicas: 2, passwordSecretRef: { name: 'analytics-clickhouse' } },
  keeper: { replicas: 3 },
});

function stateOf(): ReconcileState {
  const live = { apiVersion: 'tracker.dev/v1alpha1', kind: 'TrackerCluster', metadata: tc.metadata };
  return {
    live: live as KubeObject,
    tc,
    rendered: renderCluster(tc),
    conditions: new Map(),
    status: {},
    step: 'clickhouseReady',
    writes: 0,
  };
}

/**
 * A STAND-IN for the operator's dependencies: caches holding no StatefulSet status (no host ready) and
 * the Secrets named in `secrets`; the apiserver answers no other Secret and lists no claim (none is
 * waiting to be bound). This gate reads nothing else.
 */
function depsWith(secrets: readonly string[]): Deps {
  const secret = (name: string) => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name } });
  return {
    cache: {
      get: (kind: { kind: string }, _ns: string, name: string) =>
        kind.kind === 'Secret' && secrets.includes(name) ? secret(name) : undefined,
    },
    rest: { getOrUndefined: async () => undefined, request: async () => ({ items: [] }) },
    config: { queue: { progressRequeueMs: 1000 } },
    schemaTasks: { forget: () => undefined },
  } as unknown as Deps;
}

describe('ClickHouseReady while the hosts are not ready', () => {
  it('names the Secret the pods need that does not exist', async () => {
    const state = stateOf();
    expect(await clickhouseReady.run(state, depsWith(['demo-credentials']))).toBe('stop');
    expect(state.conditions.get('ClickHouseReady')).toEqual({
      status: 'False',
      reason: 'SecretMissing',
      message:
        '0/4 ClickHouse hosts ready: the pods need Secret analytics-clickhouse, not found in namespace ns',
    });
  });

  it('says only how many are ready once every Secret exists', async () => {
    const state = stateOf();
    await clickhouseReady.run(state, depsWith(['demo-credentials', 'analytics-clickhouse']));
    expect(state.conditions.get('ClickHouseReady')).toEqual({
      status: 'False',
      reason: 'ReplicasNotReady',
      message: '0/4 ClickHouse hosts ready',
    });
  });
});
