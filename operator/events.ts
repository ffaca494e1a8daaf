// Kubernetes Events on the TrackerCluster for transitions a user should see in `kubectl describe`
// (conditions changing status, refused shard decreases, restarts, prunes, PVC growth). Event reasons are
// constants of crds/conditions.ts (STYLE habit 3): ConditionReason for transitions, EventReason for actions.
import { randomBytes } from 'node:crypto';
import type { ConditionReason, EventReason } from '../crds/conditions.ts';
import { kinds } from '../kube/kinds.ts';
import type { KubeObject } from '../kube/object.ts';
import { collectionPath } from '../kube/paths.ts';
import type { KubeRest } from '../kube/rest.ts';
import type { Logger } from './log.ts';

export type EventType = 'Normal' | 'Warning';

export interface EventRecorder {
  record(
    obj: KubeObject,
    type: EventType,
    reason: ConditionReason | EventReason,
    message: string,
  ): Promise<void>;
}

export function eventRecorder(rest: KubeRest, component: string, log: Logger): EventRecorder {
  return {
    async record(obj, type, reason, message) {
      const ns = obj.metadata.namespace ?? 'default';
      const now = new Date().toISOString();
      const body = {
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
        source: { component },
        reportingComponent: component,
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1,
      };
      // An event that cannot be written is not worth failing a reconcile for.
      await rest
        .request('create', collectionPath(kinds.Event, ns), { body })
        .catch((err) => log.warn('Record event failed', { reason, error: err }));
    },
  };
}
