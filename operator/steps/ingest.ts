// ingest: after SchemaReady, the NATS and ingest objects, and the prune CronJob (it runs the ingest image
// against the schema, so it waits for the same gate). A config change changes the config-hash annotation
// on the pod template (cdk8s/ingest.ts), so the Deployment rolls. With autoscaling the rendered Deployment
// has no `replicas`; before the operator stops applying that field, its current value is handed to a second
// field manager, so dropping it does not reset the Deployment to 1 replica (the HPA then owns it).
import { namesOf } from '../../cdk8s/index.ts';
import {
  ConditionReason as Reason,
  ConditionStatus as Status,
  ConditionType as Type,
} from '../../crds/conditions.ts';
import type { TrackerCluster } from '../../crds/trackercluster.ts';
import { kinds } from '../../kube/kinds.ts';
import type { KubeObject } from '../../kube/object.ts';
import { objectPath } from '../../kube/paths.ts';
import { applyAll, fieldManager } from '../reconcile/apply.ts';
import {
  type Deps,
  type ReconcileState,
  renderedOf,
  requeue,
  type Step,
  type StepOutcome,
  setCondition,
  tcOf,
} from '../reconcile/state.ts';
import { write } from '../reconcile/write.ts';
import { componentObjects, type WorkloadStatus, workloadStatus } from './objects.ts';
import { absentSecrets, missingSecretsMessage } from './pod-secrets.ts';

export const handoverManager = 'tracker-operator-hpa-handover';

type ManagedField = {
  manager?: string;
  operation?: string;
  fieldsV1?: { 'f:spec'?: Record<string, unknown> };
};

/** True when our apply still owns spec.replicas of the live Deployment. */
export function ownsReplicas(live: KubeObject): boolean {
  const fields = (live.metadata.managedFields ?? []) as ManagedField[];
  return fields.some(
    (f) =>
      f.manager === fieldManager &&
      f.operation === 'Apply' &&
      f.fieldsV1?.['f:spec']?.['f:replicas'] !== undefined,
  );
}

async function handOverReplicas(desired: KubeObject, state: ReconcileState, deps: Deps): Promise<void> {
  if ((desired.spec as { replicas?: number }).replicas !== undefined) return;
  const ns = desired.metadata.namespace ?? 'default';
  const live = deps.cache.get(kinds.Deployment, ns, desired.metadata.name);
  if (!live || !ownsReplicas(live)) return;
  const replicas = (live.spec as { replicas?: number }).replicas;
  const body = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: desired.metadata.name, namespace: ns },
    spec: { replicas },
  };
  await write(state, deps, {
    verb: 'apply',
    path: objectPath(kinds.Deployment, ns, desired.metadata.name),
    target: `Deployment ${desired.metadata.name} replicas`,
    query: { fieldManager: handoverManager, force: 'true' },
    body,
  });
}

export const ingest: Step = {
  name: 'ingest',
  condition: Type.IngestReady,
  async run(state: ReconcileState, deps: Deps): Promise<StepOutcome> {
    const tc = tcOf(state);
    const names = namesOf(tc);
    const objects = renderedOf(state).objects;
    const own = componentObjects(objects, 'ingest');
    const deployment = own.find((o) => o.kind === 'Deployment');
    if (deployment) await handOverReplicas(deployment, state, deps);
    // One applyAll: its two waves (configuration, then workloads) hold for all three components, so
    // NATS, the ingest and the prune CronJob cost two round trips instead of six.
    const nats = componentObjects(objects, 'nats');
    await applyAll([...nats, ...own, ...componentObjects(objects, 'prune')], state, deps);
    const live = workloadStatus(deps.cache.get(kinds.Deployment, names.namespace, names.ingest));
    const desired = live?.replicas ?? renderedReplicas(deployment, tc);
    const ready = live?.readyReplicas ?? 0;
    state.status.ingest = { replicas: desired, readyReplicas: ready, summary: `${ready}/${desired}` };
    state.status.ingestEndpoint = `${tc.spec.ingest.tls ? 'https' : 'http'}://${names.ingestHost}`;
    const message = ingestMessage(live, desired);
    if (live?.rolledOut) {
      setCondition(state, Type.IngestReady, Status.True, Reason.Available, message);
      return 'continue';
    }
    const missing = deployment ? await absentSecrets([deployment], names.namespace, deps, state) : [];
    if (missing.length > 0) {
      const detail = missingSecretsMessage(message, missing, names.namespace);
      setCondition(state, Type.IngestReady, Status.False, Reason.SecretMissing, detail);
    } else setCondition(state, Type.IngestReady, Status.False, Reason.RolloutInProgress, message);
    requeue(state, deps.config.queue.progressRequeueMs);
    return 'continue';
  },
};

/**
 * What IngestReady says: ready pods and, during a rollout, how many run the current spec. It said "1/1
 * ingest pods ready and up to date" while the one pod still ran the previous spec.
 */
export function ingestMessage(live: WorkloadStatus | undefined, desired: number): string {
  const ready = live?.readyReplicas ?? 0;
  if (live?.rolledOut) return `${ready}/${desired} ingest pods ready and up to date`;
  return `${ready}/${desired} ingest pods ready, ${live?.upToDate ?? 0}/${desired} up to date`;
}

/** Pods the rendered Deployment asks for (before the cache holds it: "0/0" said nothing). */
function renderedReplicas(deployment: KubeObject | undefined, tc: TrackerCluster): number {
  const replicas = (deployment?.spec as { replicas?: number } | undefined)?.replicas;
  return replicas ?? tc.spec.ingest.autoscaling?.minReplicas ?? 1;
}
