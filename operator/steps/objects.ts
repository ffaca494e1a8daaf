// Which rendered objects each step applies, and the small readers of live workload status the gates use.
import type { Component } from '../../cdk8s/index.ts';
import type { KubeObject } from '../../kube/object.ts';

export function componentObjects(objects: readonly KubeObject[], component: Component): KubeObject[] {
  return objects.filter((o) => o.metadata.labels?.['app.kubernetes.io/component'] === component);
}

export type WorkloadStatus = {
  replicas: number;
  readyReplicas: number;
  updatedReplicas: number;
  availableReplicas: number;
  /** Pods running the latest spec: none counted until the controller has seen that spec. */
  upToDate: number;
  /** The controller has seen the latest spec and every pod runs it. */
  rolledOut: boolean;
};

/** Status of a live StatefulSet or Deployment (undefined = not created yet). */
export function workloadStatus(live: KubeObject | undefined): WorkloadStatus | undefined {
  if (!live) return undefined;
  const spec = (live.spec ?? {}) as { replicas?: number };
  const s = (live.status ?? {}) as Record<string, number | string | undefined>;
  const replicas = spec.replicas ?? 1;
  const num = (k: string) => Number(s[k] ?? 0);
  const observed = num('observedGeneration') >= (live.metadata.generation ?? 0);
  const revisionsMatch = s.updateRevision === undefined || s.currentRevision === s.updateRevision;
  return {
    replicas,
    readyReplicas: num('readyReplicas'),
    updatedReplicas: num('updatedReplicas'),
    availableReplicas: num('availableReplicas'),
    upToDate: observed ? num('updatedReplicas') : 0,
    rolledOut:
      observed &&
      revisionsMatch &&
      num('updatedReplicas') >= replicas &&
      num('readyReplicas') >= replicas &&
      num('replicas') <= replicas,
  };
}
