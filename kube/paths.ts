// REST paths of the managed kinds (kinds.ts): `/api/v1/...` for the core group, `/apis/<group>/<version>/...`
// otherwise; namespaced kinds under `/namespaces/<ns>` unless every namespace is meant.
import type { ManagedKind } from './kinds.ts';

type Resource = Pick<ManagedKind, 'apiVersion' | 'plural' | 'namespaced'>;

/** `/api/v1/namespaces/ns/configmaps` or, with namespace undefined, the all-namespaces collection. */
export function collectionPath(type: Resource, namespace?: string): string {
  const prefix = type.apiVersion.includes('/') ? `/apis/${type.apiVersion}` : `/api/${type.apiVersion}`;
  const ns = type.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${prefix}${ns}/${type.plural}`;
}

export function objectPath(type: Resource, namespace: string, name: string): string {
  return `${collectionPath(type, namespace)}/${encodeURIComponent(name)}`;
}
