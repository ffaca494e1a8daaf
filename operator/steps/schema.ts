// schema: GATE 3. Hosts lacking tables are brought up from a host that holds them, migrations are applied
// through the `clickhouse` store (schema/ runner), and every replica is verified (its migration record at
// the latest version and every table of it present) before the ingest may start writing (ensure-schema.ts).
// That work takes ClickHouse seconds, so it runs as a background task (schema-task.ts) and never inside a
// reconcile: the step starts it, stops at the gate (MigrationsRunning) until its result is in, and the
// task's completion enqueues the cluster. A result holds for the replicas and schema version it was
// obtained for; it is verified again when they change, after a host was not ready (a restarted replica may
// have come back on an empty volume), and at the periodic resync while the gate stays open (a table dropped
// by hand is brought back). A failed or incomplete pass is retried after queue.progressRequeueMs.
// A verified pass whose settings failed (a rollup-rule write or a TTL change: rollups, retention) keeps the
// gate open: the tables exist and take inserts, so the ingest need not wait; SchemaReady says
// RetentionPending, a RetentionFailed Warning Event the host and cause, and the pass is retried after the
// same delay until the rules and every table's TTL are what the spec says. A failed migration or table
// copy closes it (MigrationFailed, TableCopyFailed).
import { credentialKeys, namesOf } from '../../cdk8s/index.ts';
import {
  EventReason,
  ConditionReason as Reason,
  ConditionStatus as Status,
  ConditionType as Type,
} from '../../crds/conditions.ts';
import type { TrackerClusterStatus } from '../../crds/status.ts';
import type { TrackerCluster } from '../../crds/trackercluster.ts';
import { kinds } from '../../kube/kinds.ts';
import { objectPath } from '../../kube/paths.ts';
import { retentionSummary } from '../../schema/index.ts';
import { latestSchemaVersion, type Replica } from '../clickhouse.ts';
import {
  type AppliedRetention,
  ensureSchema,
  type HostReport,
  isCurrent,
  type SchemaReport,
} from '../ensure-schema.ts';
import { CopyError } from '../host-schema.ts';
import type { TaskResult } from '../reconcile/background.ts';
import {
  type Deps,
  type ReconcileState,
  requeue,
  type Step,
  setCondition,
  tcOf,
} from '../reconcile/state.ts';
import { recordEvent } from '../reconcile/write.ts';
import { gateOf, schemaOwner, schemaTaskKey } from './schema-task.ts';

/** `1 replica`, `2 replicas`: the condition messages kubectl shows. */
const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;

type Secret = { data?: Record<string, string> };

/** The default user's password: spec.clickhouse.passwordSecretRef, else the generated credentials Secret. */
export async function clickhousePassword(
  tc: TrackerCluster,
  deps: Deps,
  state?: ReconcileState,
): Promise<string> {
  const names = namesOf(tc);
  const ref = tc.spec.clickhouse.passwordSecretRef ?? {
    name: names.credentials,
    key: credentialKeys.password,
  };
  // This reconcile's render step read it already (at most one GET per Secret and reconcile).
  const read = state?.secrets?.get(ref.name);
  const secret =
    (read && { data: read }) ??
    (deps.cache.get(kinds.Secret, names.namespace, ref.name) as Secret | undefined) ??
    (await deps.rest.getOrUndefined<Secret>(objectPath(kinds.Secret, names.namespace, ref.name)));
  // A Secret the user names may not exist yet (examples/production.yaml asks for it to be created first):
  // say which of the two is missing, so the fix is not looked for in the wrong place.
  if (!secret) throw new Error(`read Secret ${ref.name}: not found in namespace ${names.namespace}`);
  const value = secret.data?.[ref.key];
  if (value === undefined) throw new Error(`read Secret ${ref.name}: no key ${ref.key}`);
  return Buffer.from(value, 'base64').toString('utf8');
}

/**
 * Results whose TablesCopied and RetentionApplied Events were recorded (each is told once, by the first
 * reconcile that reads it).
 */
const told = new WeakSet<TaskResult<SchemaReport>>();

/** Per task set and cluster, the settings failure last told by a Warning (a retry failing alike tells nothing). */
const failuresTold = new WeakMap<object, Map<string, string>>();

export const schema: Step = {
  name: 'schema',
  condition: Type.SchemaReady,
  async run(state: ReconcileState, deps: Deps) {
    const tc = tcOf(state);
    const replicas = deps.clickhouse.replicas(tc, state.renderedShards ?? tc.spec.clickhouse.shards);
    const latest = latestSchemaVersion();
    const password = await clickhousePassword(tc, deps, state);
    const owner = schemaOwner(tc);
    const key = schemaTaskKey(tc, replicas, latest, deps.clickhouse.schemaMode, password);
    const tasks = deps.schemaTasks;
    const start = () =>
      tasks.start(owner, key, () => ensureSchema(deps.clickhouse, { tc, replicas, password }));
    const last = tasks.last(owner);
    const retryMs = deps.config.queue.progressRequeueMs;
    // Nothing known for these replicas and this version yet: the gate waits for the task, unless this
    // is the first look since the operator started and the stored status already says verified.
    if (!last || gateOf(last.key) !== gateOf(key)) {
      start();
      if (!last && verifiedBefore(state, latest)) return verifiedGate(state, replicas.length, latest);
      const message = `Applying and verifying schema version ${latest} on ${count(replicas.length, 'replica')}`;
      setCondition(state, Type.SchemaReady, Status.False, Reason.MigrationsRunning, message);
      requeue(state, retryMs);
      return 'stop';
    }
    const age = performance.now() - last.at;
    const verified = last.ok && allCurrent(last.value, replicas, latest);
    const settled = verified && last.value?.settingsError === undefined;
    // Settings (rollups, retention, password) changed, a failure, an incomplete pass or a failed settings change
    // is old enough to retry, or a verified result is as old as the periodic resync: run again, read the
    // result next time.
    const dueAfter = settled ? deps.config.watch.relistIntervalMs / 2 : retryMs;
    const started = (last.key !== key || age >= dueAfter) && start();
    // When the pass for this key runs (started now or by an earlier look), its completion enqueues the
    // cluster: look again after the delay. Otherwise when the last result is old enough to run again.
    // Without the running check a failure older than the delay, its retry running, asked for 1 ms.
    const lookAgain = started || tasks.running(owner) === key ? retryMs : Math.max(1, retryMs - age);
    if (!last.ok || !last.value) {
      const error = last.error ?? new Error('schema task failed');
      const reason = error instanceof CopyError ? Reason.TableCopyFailed : Reason.MigrationFailed;
      setCondition(state, Type.SchemaReady, Status.False, reason, error.message);
      requeue(state, lookAgain);
      return 'stop';
    }
    await tellChanges(last, state, deps, replicas.length);
    await tellSettingsFailure(last.value, owner, state, deps);
    const report = last.value;
    const behind = replicas.filter((r) => !isCurrent(report.hosts.get(r.host), latest));
    if (behind.length > 0) {
      const message = `Version ${latest} not yet on ${behind.map((r) => describe(r.host, report.hosts.get(r.host))).join(', ')}`;
      setCondition(state, Type.SchemaReady, Status.False, Reason.MigrationsPending, message);
      requeue(state, lookAgain);
      return 'stop';
    }
    if (report.settingsError === undefined) return verifiedGate(state, replicas.length, latest);
    requeue(state, lookAgain);
    return verifiedGate(state, replicas.length, latest, report.settingsError);
  },
};

/**
 * The open gate; with a rollup-rule write or TTL change that failed, it says so (RetentionPending, the
 * reason kept for both: alerts and scripts match it) and stays open.
 */
function verifiedGate(
  state: ReconcileState,
  replicas: number,
  latest: number,
  settingsError?: string,
): 'continue' {
  state.status.appliedSchemaVersion = latest;
  const message = `Schema version ${latest} verified on ${count(replicas, 'replica')}`;
  if (settingsError === undefined) {
    setCondition(state, Type.SchemaReady, Status.True, Reason.Available, message);
  } else {
    const pending = `${message}; rollup rules or retention not applied yet (retried): ${settingsError}`;
    setCondition(state, Type.SchemaReady, Status.True, Reason.RetentionPending, pending);
  }
  return 'continue';
}

/**
 * The stored status says this generation's schema was verified at the latest version (by this operator
 * before a restart, or by the leader before it): a new leader does not close an open gate while its own
 * first pass runs. A host that was not ready since has reset SchemaReady in the status, so it never counts.
 */
function verifiedBefore(state: ReconcileState, latest: number): boolean {
  const status = (state.live.status ?? {}) as TrackerClusterStatus;
  const schemaReady = status.conditions?.find((c) => c.type === Type.SchemaReady);
  return (
    schemaReady?.status === Status.True &&
    schemaReady.observedGeneration === state.live.metadata.generation &&
    status.appliedSchemaVersion === latest
  );
}

const allCurrent = (report: SchemaReport | undefined, replicas: readonly Replica[], latest: number) =>
  report !== undefined && replicas.every((r) => isCurrent(report.hosts.get(r.host), latest));

async function tellChanges(
  result: TaskResult<SchemaReport>,
  state: ReconcileState,
  deps: Deps,
  replicas: number,
) {
  if (told.has(result)) return;
  told.add(result);
  for (const c of result.value?.copies ?? []) {
    const message = `Created ${c.missing.length} tables on ${c.host.host} from their definitions on ${c.from.host} (schema version ${c.version})`;
    await recordEvent(state, deps, 'Normal', EventReason.TablesCopied, message);
  }
  const retention = result.value?.retention ?? [];
  if (retention.length > 0) {
    // ClickHouse removes the rows already older than a shorter retention in the background.
    const message = `Retention applied to the existing tables: ${retentionOnHosts(retention, replicas)}`;
    await recordEvent(state, deps, 'Normal', EventReason.RetentionApplied, message);
  }
}

/**
 * `events keep rows 30 days (were kept for ever)` when every replica's tables changed alike; otherwise
 * each group of changes names its hosts (`… on host-1`): a host that failed or already matched is not in it.
 */
function retentionOnHosts(retention: readonly AppliedRetention[], replicas: number): string {
  const byHosts = new Map<string, AppliedRetention[]>();
  for (const change of retention) {
    const hosts = [...change.hosts].sort().join(', ');
    byHosts.set(hosts, [...(byHosts.get(hosts) ?? []), change]);
  }
  return [...byHosts]
    .map(([hosts, changes]) => {
      const everywhere = (changes[0]?.hosts.length ?? 0) >= replicas;
      return `${retentionSummary(changes)}${everywhere ? '' : ` on ${hosts}`}`;
    })
    .join('; ');
}

/** A Warning when a rollup-rule write or TTL change failed, once per cause while it keeps failing alike. */
async function tellSettingsFailure(report: SchemaReport, owner: string, state: ReconcileState, deps: Deps) {
  const told = failuresTold.get(deps.schemaTasks) ?? new Map<string, string>();
  failuresTold.set(deps.schemaTasks, told);
  const error = report.settingsError;
  if (error === undefined) {
    told.delete(owner);
    return;
  }
  if (told.get(owner) === error) return;
  told.set(owner, error);
  const message = `Rollup rules or retention not applied everywhere (the schema gate stays open; retried): ${error}`;
  await recordEvent(state, deps, 'Warning', EventReason.RetentionFailed, message);
}

/** A host that is behind, and why when its record is current but tables are missing. */
function describe(host: string, report: HostReport | undefined): string {
  const missing = report?.missing ?? [];
  if (missing.length === 0) return host;
  const some = missing.slice(0, 3).join(', ');
  return `${host} (lacks ${missing.length} tables: ${some}${missing.length > 3 ? ', …' : ''})`;
}
