// The TrackerCluster API: group/version/kind constants and the object type the renderer and operator use.
import type { V1ObjectMeta } from '@kubernetes/client-node';
import type { TrackerClusterSpec } from './spec.ts';
import type { TrackerClusterStatus } from './status.ts';

export const group = 'tracker.dev';
export const version = 'v1alpha1';
export const apiVersion = `${group}/${version}`;
export const kind = 'TrackerCluster';
export const plural = 'trackerclusters';
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
