import { describe, expect, it } from 'vitest';
import { renderCluster } from '../../cdk8s/index.ts';
import { cluster } from '../../cdk8s/testing/cluster.ts';
import type { KubeObject } from '../../kube/object.ts';
import type { Deps } from '../reconcile/state.ts';
import { type Claim, unboundAmong, unboundClaims, unboundMessage } from './unbound-claims.ts';

const keeperSet = () =>
  renderCluster(cluster({ keeper: { replicas: 3 } })).objects.find(
    (o) => o.kind === 'StatefulSet' && o.metadata.name === 'demo-keeper',
  ) as KubeObject;

const claim = (name: string, phase: string, storageClassName?: string): Claim => ({
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name },
  spec: storageClassName ? { storageClassName } : {},
  status: { phase },
});

describe('unbound claims of a waiting StatefulSet', () => {
  it("are those of the set's members that exist and are not Bound", () => {
    const pvcs = [
      claim('data-demo-keeper-0', 'Bound'),
      claim('data-demo-keeper-2', 'Pending', 'fast'),
      claim('data-other-keeper-1', 'Pending'),
    ];
    expect(unboundAmong([keeperSet()], pvcs).map((c) => c.metadata.name)).toEqual(['data-demo-keeper-2']);
  });

  it('leaves out a claim created within the grace period (its volume being provisioned)', () => {
    const at = (name: string, creationTimestamp: string): Claim => ({
      ...claim(name, 'Pending'),
      metadata: { name, creationTimestamp: creationTimestamp as unknown as Date },
    });
    const pvcs = [
      at('data-demo-keeper-0', '2026-01-01T00:00:00Z'),
      at('data-demo-keeper-1', '2026-01-01T00:00:40Z'),
    ];
    const before = Date.parse('2026-01-01T00:00:30Z');
    expect(unboundAmong([keeperSet()], pvcs, before).map((c) => c.metadata.name)).toEqual([
      'data-demo-keeper-0',
    ]);
  });

  it.each([
    [
      [claim('a', 'Pending', 'fast')],
      'PersistentVolumeClaim a is not bound to a volume (Pending; storage class fast)',
    ],
    [
      [claim('a', 'Pending'), claim('b', 'Lost')],
      'PersistentVolumeClaims a, b are not bound to a volume (Pending, Lost; no storage class set)',
    ],
  ])('are named with their phase and class', (claims, message) => {
    expect(unboundMessage(claims)).toBe(message);
  });

  describe('the list of claims', () => {
    /** A STAND-IN for the operator's cache (the live StatefulSet, created at `created`) and apiserver. */
    const depsAt = (created: string, lists: unknown[]) =>
      ({
        cache: { get: () => ({ metadata: { name: 'demo-keeper', creationTimestamp: created } }) },
        rest: {
          request: async (_verb: string, _path: string, opts: unknown) => {
            lists.push(opts);
            return { items: [claim('data-demo-keeper-0', 'Pending')] };
          },
        },
        config: { queue: { claimPendingGraceMs: 30_000 } },
      }) as unknown as Deps;

    it('is not asked for while the StatefulSets are younger than the grace period', async () => {
      const lists: unknown[] = [];
      const deps = depsAt(new Date().toISOString(), lists);
      expect(await unboundClaims([keeperSet()], 'ns', 'demo', deps)).toEqual([]);
      expect(lists).toEqual([]);
    });

    it("is read from the apiserver's watch cache once they are older", async () => {
      const lists: unknown[] = [];
      const deps = depsAt('2026-01-01T00:00:00Z', lists);
      const unbound = await unboundClaims([keeperSet()], 'ns', 'demo', deps);
      expect(unbound.map((c) => c.metadata.name)).toEqual(['data-demo-keeper-0']);
      expect(lists).toEqual([
        { query: { labelSelector: 'app.kubernetes.io/instance=demo', resourceVersion: '0' } },
      ]);
    });
  });
});
