// A Kubernetes object as plain wire JSON: what the renderer builds, server-side apply sends, informers cache.
import type { V1ObjectMeta } from '@kubernetes/client-node';

export type KubeObject = {
  apiVersion: string;
  kind: string;
  metadata: V1ObjectMeta & { name: string };
  [field: string]: unknown;
};

/** A typed client-node object as a KubeObject: the builders always set apiVersion, kind and metadata.name. */
export const kube = (obj: object): KubeObject => obj as KubeObject;
