// Pure parts of the steps, table-driven: rollout planning, quantities, PVC growth, pruning.
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../kube/object.ts';
import { quantityBytes } from '../../kube/quantity.ts';
import { ownsReplicas } from './ingest.ts';
import { staleObjects } from './prune.ts';
import { planRollout, type ReplicaState } from './rollout.ts';
import { pvcsToGrow } from './volumes.ts';

const r = (name: string, shard: number, s: Partial<ReplicaState> = {}): ReplicaState => ({
  name,
  shard,
  exists: true,
  templateChanged: false,
  ready: true,
  ...s,
});

describe('planRollout', () => {
  it.each([
    [
      'creates every missing replica at once',
      [r('a', 0, { exists: false }), r('b', 0, { exists: false })],
      { a: 'create', b: 'create' },
    ],
    ['updates in place when the template is unchanged', [r('a', 0), r('b', 0)], { a: 'update', b: 'update' }],
    [
      'restarts one replica per shard; shards in parallel',
      [
        r('a', 0, { templateChanged: true }),
        r('b', 0, { templateChanged: true }),
        r('c', 1, { templateChanged: true }),
      ],
      { a: 'restart', b: 'hold', c: 'restart' },
    ],
    [
      'holds while another replica of the shard is not ready',
      [r('a', 0, { templateChanged: false, ready: false }), r('b', 0, { templateChanged: true })],
      { a: 'update', b: 'hold' },
    ],
    [
      'restarts a broken replica when the rest of its shard is ready',
      [r('a', 0, { templateChanged: true, ready: false }), r('b', 0)],
      { a: 'restart', b: 'update' },
    ],
  ])('%s', (_name, replicas, expected) => {
    expect(Object.fromEntries(planRollout(replicas))).toEqual(expected);
  });

  it('holds every restart when told to (Keeper rolling out, a failed replica), still creating and updating', () => {
    const replicas = [r('a', 0, { templateChanged: true }), r('b', 1, { exists: false }), r('c', 1)];
    expect(Object.fromEntries(planRollout(replicas, { holdRestarts: true }))).toEqual({
      a: 'hold',
      b: 'create',
      c: 'update',
    });
  });
});

describe('quantityBytes', () => {
  it.each([
    ['1Gi', 2 ** 30],
    ['1G', 1e9],
    ['512Mi', 512 * 2 ** 20],
    ['1.5Ti', 1.5 * 2 ** 40],
    ['100', 100],
    ['1e3', 1000],
    [2048, 2048],
  ])('%s', (q, bytes) => expect(quantityBytes(q)).toBe(bytes));

  it('names a value it cannot parse', () => {
    expect(() => quantityBytes('ten gigs')).toThrow('parse quantity ten gigs');
  });
});

const pvc = (name: string, storage: string) =>
  ({
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name },
    spec: { resources: { requests: { storage } } },
  }) as KubeObject;

describe('pvcsToGrow', () => {
  it('grows smaller claims only, never shrinks', () => {
    const claims = [pvc('a', '1Gi'), pvc('b', '2Gi'), pvc('c', '4Gi')];
    expect(pvcsToGrow('2Gi', claims).map((c) => c.metadata.name)).toEqual(['a']);
    expect(pvcsToGrow('1Gi', claims)).toEqual([]);
  });
});

const obj = (kind: string, name: string, extra: Record<string, unknown> = {}) =>
  ({ apiVersion: 'v1', kind, metadata: { name, ...extra } }) as KubeObject;

describe('staleObjects', () => {
  it('selects owned objects that are no longer rendered, by kind and name', () => {
    const owned = [
      obj('ConfigMap', 'x'),
      obj('Service', 'x'),
      obj('ConfigMap', 'gone'),
      obj('ConfigMap', 'dying', { deletionTimestamp: 'now' }),
    ];
    const desired = [obj('ConfigMap', 'x'), obj('Service', 'x')];
    expect(staleObjects(owned, desired).map((o) => o.metadata.name)).toEqual(['gone']);
  });
});

describe('ownsReplicas', () => {
  const deployment = (manager: string, operation: string, replicas: boolean) =>
    ({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        name: 'd',
        managedFields: [
          {
            manager,
            operation,
            fieldsV1: { 'f:spec': replicas ? { 'f:replicas': {} } : { 'f:template': {} } },
          },
        ],
      },
    }) as unknown as KubeObject;
  it.each([
    ['tracker-operator', 'Apply', true, true],
    ['tracker-operator', 'Apply', false, false],
    ['kube-controller-manager', 'Update', true, false],
  ])('%s %s replicas=%s → %s', (manager, operation, replicas, expected) => {
    expect(ownsReplicas(deployment(manager, operation, replicas))).toBe(expected);
  });
});
