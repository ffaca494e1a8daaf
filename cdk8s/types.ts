// The renderer's output types: plain Kubernetes objects (what server-side apply sends) and config hashes.
import type { V1ObjectMeta } from '@kubernetes/client-node';

export type KubeObject = {
  apiVersion: string;
  kind: string;
  metadata: V1ObjectMeta & { name: string };
  [field: string]: unknown;
};

/** Restart-relevant and hot-reloadable config, hashed separately: the operator restarts only on `restart`. */
export type ConfigHashes = { restart: string; hot: string };

/** A typed client-node object as a KubeObject: the builders always set apiVersion, kind and metadata.name. */
export const kube = (obj: object): KubeObject => obj as KubeObject;
