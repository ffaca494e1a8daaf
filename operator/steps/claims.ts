// The retained volume of a removed ClickHouse replica. StatefulSets keep their PVCs, and this operator
// never deletes data, so a replica removed at scale-down leaves its volume behind. Once its Keeper metadata
// is dropped (retire.ts), that volume must not come back as the same replica: ClickHouse would find local
// tables whose Keeper replica path is gone and keep them read-only. So the volume is marked before the drop,
// and the clickhouse step does not recreate a replica whose volume carries the mark; deleting the volume
// (its parts were fetched by the survivors before the replica was removed) lets it start empty and fetch.
import type { Rendered } from '../../cdk8s/index.ts';
import { kinds } from '../../kube/kinds.ts';
import type { KubeObject } from '../../kube/object.ts';
import { objectPath } from '../../kube/paths.ts';
import { isNotFound } from '../../kube/rest.ts';
import type { Deps, ReconcileState } from '../reconcile/state.ts';
import { write } from '../reconcile/write.ts';

/** On a PVC: when the Keeper metadata of the replica that used it was dropped. */
export const replicaDroppedAnnotation = 'tracker.dev/replica-dropped';

type ClaimTemplate = { metadata?: { name?: string } };

/** PVC names of a ClickHouse replica's StatefulSet (`<template>-<set>-0`: one pod per set). */
export function claimNames(rendered: Rendered, set: string): string[] {
  const sts = rendered.objects.find(
    (o) => o.kind === 'StatefulSet' && o.metadata.labels?.['app.kubernetes.io/component'] === 'clickhouse',
  );
  const templates = ((sts?.spec as { volumeClaimTemplates?: ClaimTemplate[] } | undefined)
    ?.volumeClaimTemplates ?? []) as ClaimTemplate[];
  return templates.map((t) => `${t.metadata?.name}-${set}-0`);
}

export async function markDropped(
  claims: readonly string[],
  namespace: string,
  state: ReconcileState,
  deps: Deps,
): Promise<void> {
  const at = new Date().toISOString();
  for (const claim of claims)
    await write(state, deps, {
      verb: 'patch',
      path: objectPath(kinds.PersistentVolumeClaim, namespace, claim),
      target: `PersistentVolumeClaim ${claim}`,
      body: { metadata: { annotations: { [replicaDroppedAnnotation]: at } } },
      accept: isNotFound,
    });
}

/** The first of the replica's volumes that carries the mark, if any (a read, only before creating it). */
export async function droppedClaim(
  claims: readonly string[],
  namespace: string,
  deps: Deps,
): Promise<string | undefined> {
  for (const claim of claims) {
    const pvc = await deps.rest.getOrUndefined<KubeObject>(
      objectPath(kinds.PersistentVolumeClaim, namespace, claim),
    );
    if (pvc?.metadata.annotations?.[replicaDroppedAnnotation]) return claim;
  }
  return undefined;
}
