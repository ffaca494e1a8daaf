// The schema step's background task (reconcile/background.ts): what identifies one, and when two results
// say the same. A task's key has two parts: the GATE part (the TrackerCluster's uid, its replica hosts,
// the schema version, the database and schema mode: a result for another gate part says nothing about
// this one, so the gate waits) and the SETTINGS part (retention, rollup rules, the password: a change
// there runs the task again while the schema already verified keeps the gate open).

import type { TrackerCluster } from '../../crds/trackercluster.ts';
import { hashOf } from '../../kube/hash.ts';
import type { ClickHouseAccess, Replica } from '../clickhouse.ts';
import type { SchemaReport } from '../ensure-schema.ts';
import { BackgroundTasks, type TaskResult } from '../reconcile/background.ts';

export type SchemaTasks = BackgroundTasks<SchemaReport>;

/** The owner of a cluster's schema task: its work-queue key. */
export const schemaOwner = (tc: TrackerCluster): string =>
  tc.metadata.namespace ? `${tc.metadata.namespace}/${tc.metadata.name}` : tc.metadata.name;

export function schemaTaskKey(
  tc: TrackerCluster,
  replicas: readonly Replica[],
  version: number,
  mode: ClickHouseAccess['schemaMode'],
  password: string,
): string {
  const { database, retention, rollups } = tc.spec.schema;
  const gate = hashOf({
    uid: tc.metadata.uid,
    hosts: replicas.map((r) => r.url + r.host),
    version,
    database,
    mode,
  });
  return `${gate}:${hashOf({ retention, rollups, password: hashOf(password) })}`;
}

export const gateOf = (key: string): string => key.slice(0, key.indexOf(':'));

/**
 * A pass that copied nothing, changed no TTL and found every host as before (and the same settings
 * failure, if any) tells nothing new (no reconcile needed); one that did has Events or a condition to record.
 */
export function sameReport(a: SchemaReport, b: SchemaReport): boolean {
  if (b.copies.length > 0 || b.retention.length > 0 || a.hosts.size !== b.hosts.size) return false;
  if (a.settingsError !== b.settingsError) return false;
  return [...b.hosts].every(([host, r]) => {
    const before = a.hosts.get(host);
    return before !== undefined && before.version === r.version && before.missing.join() === r.missing.join();
  });
}

export function schemaTasks(
  onSettled: (owner: string, result: TaskResult<SchemaReport>, changed: boolean) => void,
): SchemaTasks {
  return new BackgroundTasks<SchemaReport>({ onSettled, same: sameReport });
}
