// schema: GATE 3. Migrations applied through the `clickhouse` store (schema/ runner) and the applied version
// verified on EVERY replica before the ingest may start writing. Reads only when every replica is current.
import { credentialKeys, namesOf } from '../../cdk8s/index.ts';
import {
  ConditionReason as Reason,
  ConditionStatus as Status,
  ConditionType as Type,
} from '../../crds/conditions.ts';
import type { TrackerCluster } from '../../crds/trackercluster.ts';
import { kinds } from '../../kube/kinds.ts';
import { objectPath } from '../../kube/paths.ts';
import { ensureSchema, latestSchemaVersion } from '../clickhouse.ts';
import {
  type Deps,
  type ReconcileState,
  requeue,
  type Step,
  setCondition,
  tcOf,
} from '../reconcile/state.ts';

type Secret = { data?: Record<string, string> };

/** The default user's password: spec.clickhouse.passwordSecretRef, else the generated credentials Secret. */
export async function clickhousePassword(tc: TrackerCluster, deps: Deps): Promise<string> {
  const names = namesOf(tc);
  const ref = tc.spec.clickhouse.passwordSecretRef ?? {
    name: names.credentials,
    key: credentialKeys.password,
  };
  const secret =
    (deps.cache.get(kinds.Secret, names.namespace, ref.name) as Secret | undefined) ??
    (await deps.rest.getOrUndefined<Secret>(objectPath(kinds.Secret, names.namespace, ref.name)));
  const value = secret?.data?.[ref.key];
  if (value === undefined) throw new Error(`read Secret ${ref.name}: no key ${ref.key}`);
  return Buffer.from(value, 'base64').toString('utf8');
}

export const schema: Step = {
  name: 'schema',
  async run(state: ReconcileState, deps: Deps) {
    const tc = tcOf(state);
    const replicas = deps.clickhouse.replicas(tc, state.renderedShards ?? tc.spec.clickhouse.shards);
    const latest = latestSchemaVersion();
    let versions: Map<string, number>;
    try {
      versions = await ensureSchema(deps.clickhouse, {
        tc,
        replicas,
        password: await clickhousePassword(tc, deps),
      });
    } catch (err) {
      setCondition(state, Type.SchemaReady, Status.False, Reason.MigrationFailed, (err as Error).message);
      requeue(state, deps.config.queue.progressRequeueMs);
      return 'stop';
    }
    const behind = replicas.filter((r) => (versions.get(r.host) ?? 0) < latest);
    if (behind.length > 0) {
      const message = `Version ${latest} not yet on ${behind.map((r) => r.host).join(', ')}`;
      setCondition(state, Type.SchemaReady, Status.False, Reason.MigrationsPending, message);
      requeue(state, deps.config.queue.progressRequeueMs);
      return 'stop';
    }
    state.status.appliedSchemaVersion = latest;
    const message = `Schema version ${latest} verified on ${replicas.length} replicas`;
    setCondition(state, Type.SchemaReady, Status.True, Reason.Available, message);
    return 'continue';
  },
};
