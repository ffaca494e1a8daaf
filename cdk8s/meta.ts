// Labels, owner references and hash annotations shared by every builder.
import type { V1ObjectMeta, V1OwnerReference } from '@kubernetes/client-node';
import type { TrackerCluster } from '../crds/trackercluster.ts';

export type Component = 'keeper' | 'clickhouse' | 'ingest' | 'nats' | 'prune' | 'schema';

/** Restart-relevant and hot-reloadable config, hashed separately: the operator restarts only on `restart`. */
export type ConfigHashes = { restart: string; hot: string };

/** Annotation keys the operator reads (restart decisions) and sets. */
export const annotations = {
  /** On ClickHouse/Keeper pod templates: changes only when restart-relevant config changes. */
  restartHash: 'tracker.dev/config-restart-hash',
  /** On ConfigMaps and StatefulSets (never on pod templates): hot-reloadable config, reloaded in place. */
  hotHash: 'tracker.dev/config-hot-hash',
  /** On the ingest pod template: any ingest config change rolls the Deployment. */
  configHash: 'tracker.dev/config-hash',
  /**
   * On the ClickHouse and ingest pod templates: a checksum of the Secret values their containers read only
   * at start (the ClickHouse password; the ingest's password and hash key), so rotating one rolls them.
   */
  secretChecksum: 'tracker.dev/secret-checksum',
} as const;

/** The secret-checksum annotation of a pod template, or none without a checksum. */
export function checksumAnnotation(checksum: string | undefined): Record<string, string> {
  return checksum === undefined ? {} : { [annotations.secretChecksum]: checksum };
}

export const labelKeys = {
  shard: 'tracker.dev/shard',
  replica: 'tracker.dev/replica',
} as const;

/** The immutable subset used in selectors (a selector can never change after creation). */
export function selectorLabels(tc: TrackerCluster, component: Component): Record<string, string> {
  return {
    'app.kubernetes.io/name': 'tracker',
    'app.kubernetes.io/instance': tc.metadata.name,
    'app.kubernetes.io/component': component,
  };
}

export function labels(tc: TrackerCluster, component: Component, extra: Record<string, string> = {}) {
  return {
    ...selectorLabels(tc, component),
    'app.kubernetes.io/part-of': 'tracker',
    'app.kubernetes.io/managed-by': 'tracker',
    ...extra,
  };
}

/** Children are garbage-collected with their TrackerCluster; `tracker render` (no uid) renders none. */
export function ownerReferences(tc: TrackerCluster): V1OwnerReference[] | undefined {
  const uid = tc.metadata.uid;
  if (!uid) return undefined;
  return [
    {
      apiVersion: tc.apiVersion,
      kind: tc.kind,
      name: tc.metadata.name,
      uid,
      controller: true,
      blockOwnerDeletion: true,
    },
  ];
}

export function metadata(
  tc: TrackerCluster,
  name: string,
  component: Component,
  extra: Partial<V1ObjectMeta> = {},
): V1ObjectMeta & { name: string } {
  const owners = ownerReferences(tc);
  return {
    name,
    ...extra,
    labels: { ...labels(tc, component), ...extra.labels },
    ...(owners ? { ownerReferences: owners } : {}),
  };
}
