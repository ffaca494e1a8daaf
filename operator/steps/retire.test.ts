// Which Keeper replicas a TrackerCluster may drop, and which of its objects retire (not prune) removes.
import { describe, expect, it } from 'vitest';
import { cluster } from '../../cdk8s/testing/cluster.ts';
import type { KubeObject } from '../../kube/object.ts';
import { goneReplicas, isLeavingReplica, replicaOfName } from './retire.ts';

const tc = cluster({ clickhouse: { shards: 2, replicas: 2 } }, { name: 'demo', namespace: 'ns' });

describe('replicaOfName', () => {
  it.each([
    ['demo-ch-0-1', { shard: 0, replica: 1 }],
    ['1-demo-ch-1-0', { shard: 1, replica: 0 }],
    ['demo2-ch-0-1', undefined],
    ['other-ch-0-1', undefined],
    ['demo-ch-0-1-extra', undefined],
  ])('%s → %o', (name, expected) => {
    expect(replicaOfName(tc, name)).toEqual(expected);
  });
});

describe('goneReplicas', () => {
  const table = (replicas: Record<string, boolean>, name = 'events_local') => ({
    table: name,
    replicaName: 'demo-ch-0-0',
    replicas,
  });

  it('drops only names of this cluster that are inactive, not rendered and without a StatefulSet', () => {
    const tables = [
      table({
        'demo-ch-0-0': true,
        'demo-ch-0-1': false, // rendered, only down: kept
        'demo-ch-0-2': false, // removed: dropped
        'demo-ch-0-3': true, // removed but still active: ClickHouse would refuse, never tried
        'demo-ch-0-4': false, // removed, StatefulSet still there (pod stopping): later
        'someone-else': false,
      }),
      table({ '0-demo-ch-0-2': false, '2-demo-ch-2-0': false }, 'schema_migrations'),
    ];
    const gone = goneReplicas(tables, tc, 2, (object) => object === 'demo-ch-0-4');
    expect(Object.fromEntries(gone)).toEqual({
      'demo-ch-0-2': [
        { table: 'events_local', name: 'demo-ch-0-2' },
        { table: 'schema_migrations', name: '0-demo-ch-0-2' },
      ],
      // A removed shard (allowDataLoss): its entries in the cluster-wide table are visible from any shard.
      'demo-ch-2-0': [{ table: 'schema_migrations', name: '2-demo-ch-2-0' }],
    });
  });
});

describe('isLeavingReplica', () => {
  const obj = (kind: string, shard: string, component = 'clickhouse') =>
    ({
      apiVersion: 'v1',
      kind,
      metadata: {
        name: 'x',
        labels: {
          'app.kubernetes.io/component': component,
          'tracker.dev/shard': shard,
          'tracker.dev/replica': '2',
        },
      },
    }) as KubeObject;

  it.each([
    ['a replica StatefulSet of a shard that stays', obj('StatefulSet', '0'), true],
    ['its ConfigMap', obj('ConfigMap', '1'), true],
    ['a replica of a removed shard (pruned at once)', obj('StatefulSet', '2'), false],
    ['a shard PDB', obj('PodDisruptionBudget', '0'), false],
    ['another component', obj('StatefulSet', '0', 'keeper'), false],
  ])('%s: %s', (_what, o, expected) => {
    expect(isLeavingReplica(o, 2)).toBe(expected);
  });
});
