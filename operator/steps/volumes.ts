// volumes: PVCs only grow. A StatefulSet's volumeClaimTemplates are immutable and only seed new PVCs, so a
// larger spec size is patched onto each existing PVC (the StorageClass must allow expansion; the apiserver
// says so otherwise). A smaller size is never applied. PVCs are listed only while the spec size differs
// from the size the StatefulSet was created with, so a steady cluster makes no request here.

import { EventReason, ConditionType as Type } from '../../crds/conditions.ts';
import { kinds } from '../../kube/kinds.ts';
import type { KubeObject } from '../../kube/object.ts';
import { collectionPath, objectPath } from '../../kube/paths.ts';
import { quantityBytes } from '../../kube/quantity.ts';
import {
  type Deps,
  type ReconcileState,
  renderedOf,
  type Step,
  type StepOutcome,
  tcOf,
} from '../reconcile/state.ts';
import { recordEvent, write } from '../reconcile/write.ts';

type Claim = { metadata?: { name?: string }; spec?: { resources?: { requests?: { storage?: string } } } };
type Pvc = KubeObject & Claim;

const pvcType = kinds.PersistentVolumeClaim;
const claimSize = (c: Claim | undefined): string | undefined => c?.spec?.resources?.requests?.storage;

/** PVC names of a StatefulSet: `<claim>-<set>-<ordinal>`. */
export function claimNamesOf(sts: KubeObject): string[] {
  const spec = sts.spec as { replicas?: number; volumeClaimTemplates?: Claim[] };
  return (spec.volumeClaimTemplates ?? []).flatMap((t) =>
    Array.from({ length: spec.replicas ?? 1 }, (_, i) => `${t.metadata?.name}-${sts.metadata.name}-${i}`),
  );
}

/** PVCs that should grow to the desired size (never shrink). */
export function pvcsToGrow(desiredSize: string, pvcs: readonly Pvc[]): Pvc[] {
  const want = quantityBytes(desiredSize);
  return pvcs.filter((p) => {
    const size = claimSize(p);
    return size !== undefined && quantityBytes(size) < want;
  });
}

async function growSet(sts: KubeObject, state: ReconcileState, deps: Deps): Promise<void> {
  const ns = sts.metadata.namespace ?? 'default';
  const desired = claimSize((sts.spec as { volumeClaimTemplates?: Claim[] }).volumeClaimTemplates?.[0]);
  const live = deps.cache.get(kinds.StatefulSet, ns, sts.metadata.name);
  const seeded = claimSize(
    (live?.spec as { volumeClaimTemplates?: Claim[] } | undefined)?.volumeClaimTemplates?.[0],
  );
  if (!desired || !seeded || quantityBytes(desired) <= quantityBytes(seeded)) return;
  const wanted = new Set(claimNamesOf(sts));
  const list = await deps.rest.request<{ items: Pvc[] }>('list', collectionPath(pvcType, ns), {
    query: { labelSelector: `app.kubernetes.io/instance=${tcOf(state).metadata.name}` },
  });
  for (const pvc of pvcsToGrow(
    desired,
    list.items.filter((p) => wanted.has(p.metadata.name)),
  )) {
    await write(state, deps, {
      verb: 'patch',
      path: objectPath(pvcType, ns, pvc.metadata.name),
      target: `PersistentVolumeClaim ${pvc.metadata.name}`,
      body: { spec: { resources: { requests: { storage: desired } } } },
    });
    const message = `Grew ${pvc.metadata.name} from ${claimSize(pvc)} to ${desired}`;
    await recordEvent(state, deps, 'Normal', EventReason.VolumeExpanded, message);
  }
}

export const volumes: Step = {
  name: 'volumes',
  condition: Type.ClickHouseReady,
  async run(state: ReconcileState, deps: Deps): Promise<StepOutcome> {
    const sets = renderedOf(state).objects.filter((o) => o.kind === 'StatefulSet');
    for (const sts of sets) await growSet(sts, state, deps);
    return 'continue';
  },
};
