// The claims a waiting StatefulSet's pods cannot start without. A pod whose PersistentVolumeClaim is not
// bound to a volume is never scheduled (a StorageClass that does not exist, or none by default, no
// provisioner): the gate alone said only "0/1 Keeper members ready". The Keeper and ClickHouse gates name
// such a claim instead, once it has waited longer than `queue.claimPendingGraceMs`: every new claim is
// Pending while its volume is provisioned, and a new cluster's status should not report that as a fault.
// Asked only while a gate waits (one list per reconcile): a cluster at rest makes no request here.
import { kinds } from '../../kube/kinds.ts';
import type { KubeObject } from '../../kube/object.ts';
import { collectionPath } from '../../kube/paths.ts';
import type { Deps } from '../reconcile/state.ts';
import { claimNamesOf } from './volumes.ts';

export type Claim = KubeObject & {
  spec?: { storageClassName?: string };
  status?: { phase?: string };
};

/**
 * Claims among `pvcs` that `sets` use, that are not Bound and were created by `createdBefore` (epoch
 * ms; a claim without a creation time counts), in the sets' order.
 */
export function unboundAmong(
  sets: readonly KubeObject[],
  pvcs: readonly Claim[],
  createdBefore = Number.POSITIVE_INFINITY,
): Claim[] {
  const byName = new Map(pvcs.map((p) => [p.metadata.name, p]));
  const waitedLong = (p: Claim) => {
    const created = new Date(p.metadata.creationTimestamp ?? Number.NaN).getTime();
    return Number.isNaN(created) || created <= createdBefore;
  };
  return sets
    .flatMap(claimNamesOf)
    .map((name) => byName.get(name))
    .filter((p): p is Claim => p !== undefined && p.status?.phase !== 'Bound' && waitedLong(p));
}

/** "PersistentVolumeClaim data-x-0 is not bound to a volume (Pending; storage class fast)". */
export function unboundMessage(claims: readonly Claim[]): string {
  const names = claims.map((c) => c.metadata.name).join(', ');
  const phases = [...new Set(claims.map((c) => c.status?.phase ?? 'Pending'))].join(', ');
  const classes = [...new Set(claims.map((c) => c.spec?.storageClassName ?? ''))];
  const storage = classes.map((c) => (c === '' ? 'no storage class set' : `storage class ${c}`)).join(', ');
  const subject =
    claims.length === 1 ? `PersistentVolumeClaim ${names} is` : `PersistentVolumeClaims ${names} are`;
  return `${subject} not bound to a volume (${phases}; ${storage})`;
}

/**
 * The unbound claims of `sets` (rendered StatefulSets of one TrackerCluster), from one labelled list. No list
 * while each set's live StatefulSet is younger than the grace period (its claims, made after it, are younger
 * still): a new cluster's reconciles, which wait at these gates many times in their first seconds, make no
 * request here. The list is served from the apiserver's watch cache (`resourceVersion=0`, no read of etcd):
 * a status message can be a moment behind.
 */
export async function unboundClaims(
  sets: readonly KubeObject[],
  namespace: string,
  instance: string,
  deps: Deps,
): Promise<Claim[]> {
  const createdBefore = Date.now() - deps.config.queue.claimPendingGraceMs;
  const old = sets.filter(
    (set) => createdAt(deps.cache.get(kinds.StatefulSet, namespace, set.metadata.name)) <= createdBefore,
  );
  if (old.length === 0) return [];
  const list = await deps.rest.request<{ items: Claim[] }>(
    'list',
    collectionPath(kinds.PersistentVolumeClaim, namespace),
    { query: { labelSelector: `app.kubernetes.io/instance=${instance}`, resourceVersion: '0' } },
  );
  return unboundAmong(old, list.items, createdBefore);
}

/** When an object was created (epoch ms); +Infinity when it is not known (not created yet). */
function createdAt(o: KubeObject | undefined): number {
  const at = new Date(o?.metadata.creationTimestamp ?? Number.NaN).getTime();
  return Number.isNaN(at) ? Number.POSITIVE_INFINITY : at;
}
