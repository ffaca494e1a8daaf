// schema: GATE 3. Hosts lacking tables are brought up from a host that holds them, migrations are applied
// through the `clickhouse` store (schema/ runner), and every replica is verified (its migration record at
// the latest version and every table of it present) before the ingest may start writing. Reads only when
// every replica is current (ensure-schema.ts).
import { credentialKeys, namesOf } from '../../cdk8s/index.ts';
import {
  EventReason,
  ConditionReason as Reason,
  ConditionStatus as Status,
  ConditionType as Type,
} from '../../crds/conditions.ts';
import type { TrackerCluster } from '../../crds/trackercluster.ts';
import { kinds } from '../../kube/kinds.ts';
import { objectPath } from '../../kube/paths.ts';
import { latestSchemaVersion } from '../clickhouse.ts';
import { ensureSchema, type HostReport, isCurrent, type SchemaReport } from '../ensure-schema.ts';
import { CopyError } from '../host-schema.ts';
import {
  type Deps,
  type ReconcileState,
  requeue,
  type Step,
  setCondition,
  tcOf,
} from '../reconcile/state.ts';
import { recordEvent } from '../reconcile/write.ts';

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
    let report: SchemaReport;
    try {
      report = await ensureSchema(deps.clickhouse, {
        tc,
        replicas,
        password: await clickhousePassword(tc, deps),
      });
    } catch (err) {
      const reason = err instanceof CopyError ? Reason.TableCopyFailed : Reason.MigrationFailed;
      setCondition(state, Type.SchemaReady, Status.False, reason, (err as Error).message);
      requeue(state, deps.config.queue.progressRequeueMs);
      return 'stop';
    }
    for (const c of report.copies) {
      const message = `Created ${c.missing.length} tables on ${c.host.host} from their definitions on ${c.from.host} (schema version ${c.version})`;
      await recordEvent(state, deps, 'Normal', EventReason.TablesCopied, message);
    }
    const behind = replicas.filter((r) => !isCurrent(report.hosts.get(r.host), latest));
    if (behind.length > 0) {
      const message = `Version ${latest} not yet on ${behind.map((r) => describe(r.host, report.hosts.get(r.host))).join(', ')}`;
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

/** A host that is behind, and why when its record is current but tables are missing. */
function describe(host: string, report: HostReport | undefined): string {
  const missing = report?.missing ?? [];
  if (missing.length === 0) return host;
  const some = missing.slice(0, 3).join(', ');
  return `${host} (lacks ${missing.length} tables: ${some}${missing.length > 3 ? ', …' : ''})`;
}
