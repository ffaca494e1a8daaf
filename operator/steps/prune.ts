// prune: delete objects this TrackerCluster owns that the current spec no longer renders (a removed shard's
// StatefulSet when allowDataLoss allows it, the HPA after autoscaling is switched off, the cert-manager
// Certificate after TLS moves from an issuer to a Secret, ...). Candidates are the kinds the registry marks
// pruned (kube/kinds.ts); ownership is the controller ownerReference's uid. PVCs are never touched
// (StatefulSets leave them; data is retained). A ClickHouse replica removed from a shard that stays is not
// pruned here: retire.ts removes it once the shard's survivor has fetched its parts.

import { EventReason } from '../../crds/conditions.ts';
import { prunedKinds } from '../../kube/kinds.ts';
import type { KubeObject } from '../../kube/object.ts';
import { deleteObject } from '../reconcile/apply.ts';
import {
  type Deps,
  type ReconcileState,
  renderedOf,
  type Step,
  type StepOutcome,
  tcOf,
} from '../reconcile/state.ts';
import { recordEvent } from '../reconcile/write.ts';
import { isLeavingReplica } from './retire.ts';

const id = (o: KubeObject) => `${o.kind}/${o.metadata.name}`;

export function staleObjects(owned: readonly KubeObject[], desired: readonly KubeObject[]): KubeObject[] {
  const wanted = new Set(desired.map(id));
  return owned.filter((o) => !wanted.has(id(o)) && !o.metadata.deletionTimestamp);
}

export const prune: Step = {
  name: 'prune',
  run(state: ReconcileState, deps: Deps) {
    const tc = tcOf(state);
    const ns = tc.metadata.namespace ?? 'default';
    const owned = prunedKinds.flatMap((k) => deps.cache.owned(k, ns, tc.metadata.uid));
    const shards = state.renderedShards ?? tc.spec.clickhouse.shards;
    const stale = staleObjects(owned, renderedOf(state).objects).filter((o) => !isLeavingReplica(o, shards));
    // Nothing stale (nearly every reconcile): an outcome, not a promise, so no yield (runner.ts).
    return stale.length === 0 ? 'continue' : deleteAll(stale, state, deps);
  },
};

async function deleteAll(
  stale: readonly KubeObject[],
  state: ReconcileState,
  deps: Deps,
): Promise<StepOutcome> {
  for (const obj of stale) {
    await deleteObject(obj, state, deps);
    deps.log.info('Pruned object', { kind: obj.kind, name: obj.metadata.name });
    await recordEvent(state, deps, 'Normal', EventReason.Pruned, `Deleted ${id(obj)}: no longer rendered`);
  }
  return 'continue';
}
