// REST paths of the kinds the operator reads and writes. A fixed table instead of API discovery: the
// operator only ever touches these kinds, and a typo fails loudly here rather than as a 404 at runtime.
import { apiVersion as tcApiVersion, kind as tcKind, plural as tcPlural } from '../crds/trackercluster.ts';

export type ResourceType = { apiVersion: string; kind: string; plural: string; namespaced: boolean };

export const table: readonly ResourceType[] = [
  { apiVersion: tcApiVersion, kind: tcKind, plural: tcPlural, namespaced: true },
  { apiVersion: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespaced: true },
  { apiVersion: 'v1', kind: 'Secret', plural: 'secrets', namespaced: true },
  { apiVersion: 'v1', kind: 'Service', plural: 'services', namespaced: true },
  { apiVersion: 'v1', kind: 'Event', plural: 'events', namespaced: true },
  { apiVersion: 'v1', kind: 'PersistentVolumeClaim', plural: 'persistentvolumeclaims', namespaced: true },
  { apiVersion: 'apps/v1', kind: 'StatefulSet', plural: 'statefulsets', namespaced: true },
  { apiVersion: 'apps/v1', kind: 'Deployment', plural: 'deployments', namespaced: true },
  { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', plural: 'poddisruptionbudgets', namespaced: true },
  { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', plural: 'networkpolicies', namespaced: true },
  {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    plural: 'horizontalpodautoscalers',
    namespaced: true,
  },
  { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', plural: 'leases', namespaced: true },
  { apiVersion: 'cert-manager.io/v1', kind: 'Certificate', plural: 'certificates', namespaced: true },
];

export const typeKey = (apiVersion: string, kind: string): string => `${apiVersion}/${kind}`;
const byKey = new Map(table.map((t) => [typeKey(t.apiVersion, t.kind), t]));

export function resourceType(apiVersion: string, kind: string): ResourceType {
  const found = byKey.get(typeKey(apiVersion, kind));
  if (!found) throw new Error(`resolve resource ${apiVersion} ${kind}: not a kind the operator manages`);
  return found;
}

/** `/api/v1/namespaces/ns/configmaps` or, with namespace undefined, the all-namespaces collection. */
export function collectionPath(type: ResourceType, namespace?: string): string {
  const prefix = type.apiVersion.includes('/') ? `/apis/${type.apiVersion}` : `/api/${type.apiVersion}`;
  const ns = type.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${prefix}${ns}/${type.plural}`;
}

export function objectPath(type: ResourceType, namespace: string, name: string): string {
  return `${collectionPath(type, namespace)}/${encodeURIComponent(name)}`;
}
