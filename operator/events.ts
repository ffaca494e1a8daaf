// Kubernetes Events on the TrackerCluster for what a user should see in `kubectl describe`: conditions
// changing status, refused shard decreases, restarts, prunes, PVC growth, failed writes. Event reasons are
// constants of crds/conditions.ts (one list): ConditionReason for transitions, EventReason for actions.
// This module only builds the Event; reconcile/write.ts sends it, like every other write.
import { randomBytes } from 'node:crypto';
import type { ConditionReason, EventReason } from '../crds/conditions.ts';
import type { KubeObject } from '../kube/object.ts';

export type EventType = 'Normal' | 'Warning';

/** The component name Events carry (`source.component`, `reportingComponent`). */
const eventComponent = 'tracker-operator';

export function eventBody(
  obj: KubeObject,
  type: EventType,
  reason: ConditionReason | EventReason,
  message: string,
  now: Date = new Date(),
): KubeObject {
  const ns = obj.metadata.namespace ?? 'default';
  const at = now.toISOString();
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: `${obj.metadata.name}.${randomBytes(6).toString('hex')}`, namespace: ns },
    involvedObject: {
      apiVersion: obj.apiVersion,
      kind: obj.kind,
      name: obj.metadata.name,
      namespace: ns,
      uid: obj.metadata.uid,
      resourceVersion: obj.metadata.resourceVersion,
    },
    type,
    reason,
    message: message.slice(0, 1024),
    source: { component: eventComponent },
    reportingComponent: eventComponent,
    firstTimestamp: at,
    lastTimestamp: at,
    count: 1,
  };
}
