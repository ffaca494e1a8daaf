// The TrackerCluster API: group/version/kind constants and the object type the renderer and operator use.
// Group, version, kind and plural are the registry's (kube/kinds.ts), which every managed kind shares.
import type { V1ObjectMeta } from '@kubernetes/client-node';
import { kinds } from '../kube/kinds.ts';
import type { TrackerClusterSpec } from './spec.ts';
import type { TrackerClusterStatus } from './status.ts';

export const { group, version, apiVersion, kind, plural } = kinds.TrackerCluster;
export const singular = 'trackercluster';
export const shortNames = ['tc'] as const;
export const crdName = `${plural}.${group}`;

/** A TrackerCluster whose spec is fully defaulted (see validate.ts `parseTrackerCluster`). */
export type TrackerCluster = {
  apiVersion: typeof apiVersion;
  kind: typeof kind;
  metadata: V1ObjectMeta & { name: string };
  spec: TrackerClusterSpec;
  status?: TrackerClusterStatus;
};
