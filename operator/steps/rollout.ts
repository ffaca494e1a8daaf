// Which ClickHouse replicas may change this pass. A pod-template change restarts the replica, so within a
// shard at most one replica restarts at a time, and only while the shard's other replicas are Ready (the
// shard keeps serving; the PDB allows one down). Missing replicas are all created at once: remote_servers
// lists every host before the first one starts. Changes that leave the template alone (hot-reloadable
// config, metadata) apply everywhere immediately.
import { hashOf, oncePerFrozen } from '../../kube/hash.ts';
import type { KubeObject } from '../../kube/object.ts';

export const templateHashAnnotation = 'tracker.dev/template-hash';

export type ReplicaState = {
  readonly name: string;
  readonly shard: number;
  readonly exists: boolean;
  readonly templateChanged: boolean;
  /** Rolled out and Ready. */
  readonly ready: boolean;
};
export type RolloutAction = 'create' | 'update' | 'restart' | 'hold';

/** `holdRestarts`: no replica restarts this pass (rollout-gate.ts: Keeper rolling out, a failed replica). */
export function planRollout(
  replicas: readonly ReplicaState[],
  opts: { holdRestarts?: boolean } = {},
): Map<string, RolloutAction> {
  const plan = new Map<string, RolloutAction>();
  const restarting = new Set<number>();
  for (const r of replicas) {
    if (!r.exists) plan.set(r.name, 'create');
    else if (!r.templateChanged) plan.set(r.name, 'update');
  }
  for (const r of replicas) {
    if (plan.has(r.name)) continue;
    const othersBusy = replicas.some((o) => o.shard === r.shard && o.name !== r.name && !o.ready);
    if (opts.holdRestarts || othersBusy || restarting.has(r.shard)) plan.set(r.name, 'hold');
    else {
      plan.set(r.name, 'restart');
      restarting.add(r.shard);
    }
  }
  return plan;
}

/**
 * The StatefulSet with a hash of its pod template, so a template change is visible without a diff. A
 * rendered (frozen) set is hashed once, and the result, frozen too, is hashed once for its applied-hash.
 */
export const withTemplateHash: (sts: KubeObject) => KubeObject = oncePerFrozen((sts) => {
  const hash = hashOf((sts.spec as { template?: unknown }).template);
  const annotations = { ...sts.metadata.annotations, [templateHashAnnotation]: hash };
  return { ...sts, metadata: { ...sts.metadata, annotations } };
});
