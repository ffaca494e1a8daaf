// prune: delete objects this TrackerCluster owns that the current spec no longer renders (a removed shard's
// StatefulSet when allowDataLoss allows it, the HPA after autoscaling is switched off, ...). Ownership is the
// controller ownerReference's uid; PVCs are never touched (StatefulSets leave them; data is retained).

import { EventReason } from '../../crds/conditions.ts';
import type { KubeObject } from '../../kube/object.ts';
import { deleteObject, ownedBy } from '../reconcile/apply.ts';
import { type Deps, type ReconcileState, renderedOf, type Step, tcOf } from '../reconcile/state.ts';

/** Kinds the operator renders and watches; only these are candidates for pruning. */
export const prunableKinds: readonly [string, string][] = [
  ['v1', 'ConfigMap'],
  ['v1', 'Service'],
  ['apps/v1', 'StatefulSet'],
  ['apps/v1', 'Deployment'],
  ['policy/v1', 'PodDisruptionBudget'],
  ['networking.k8s.io/v1', 'NetworkPolicy'],
  ['autoscaling/v2', 'HorizontalPodAutoscaler'],
];

const id = (o: KubeObject) => `${o.kind}/${o.metadata.name}`;

export function staleObjects(owned: readonly KubeObject[], desired: readonly KubeObject[]): KubeObject[] {
  const wanted = new Set(desired.map(id));
  return owned.filter((o) => !wanted.has(id(o)) && !o.metadata.deletionTimestamp);
}

export const prune: Step = {
  name: 'prune',
  async run(state: ReconcileState, deps: Deps) {
    const tc = tcOf(state);
    const ns = tc.metadata.namespace ?? 'default';
    const owned = prunableKinds.flatMap(([v, k]) =>
      (deps.cache.list(v, k, ns) ?? []).filter((o) => ownedBy(o, tc.metadata.uid)),
    );
    for (const obj of staleObjects(owned, renderedOf(state).objects)) {
      await deleteObject(obj, state, deps);
      deps.log.info('Pruned object', { kind: obj.kind, name: obj.metadata.name });
      await deps.events.record(
        state.live,
        'Normal',
        EventReason.Pruned,
        `Deleted ${id(obj)}: no longer rendered`,
      );
    }
    return 'continue';
  },
};
