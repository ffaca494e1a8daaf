// The work reconciles start and do not wait for (reconcile/background.ts): schema passes, replica scans and
// the survivors' syncs before a replica leaves. Each completion that can change what a reconcile decides is
// an internal event for its TrackerCluster (`onEvent`): the reaction to it is measured from the completion
// (the work itself is ClickHouse's time, in its own histogram).
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import { clusterOf, type ReplicaScans, replicaScans, scanOwner } from '../steps/replica-scan.ts';
import { type ReplicaSyncs, replicaSyncs } from '../steps/replica-sync.ts';
import { type SchemaTasks, schemaTasks } from '../steps/schema-task.ts';

export interface BackgroundWork {
  readonly schemaTasks: SchemaTasks;
  readonly replicaScans: ReplicaScans;
  readonly replicaSyncs: ReplicaSyncs;
}

export function backgroundWork(
  metrics: Metrics,
  log: Logger,
  onEvent: (key: string) => void,
): BackgroundWork {
  return {
    // A re-verification that found everything as before needs no reconcile.
    schemaTasks: schemaTasks((key, result, changed) => {
      // A rollup-rule write or TTL change that failed leaves the gate open: its own result (named
      // retention_failed for both, as alerts match it), so it is not counted as a success.
      const settingsError = result.value?.settingsError;
      const outcome = !result.ok ? 'error' : settingsError ? 'retention_failed' : 'ok';
      metrics.schemaTask.observe({ result: outcome }, result.seconds);
      if (!result.ok) log.warn('Schema pass failed', { trackercluster: key, error: result.error });
      if (settingsError)
        log.warn('Rollup rules or retention not applied', { trackercluster: key, error: settingsError });
      if (changed) onEvent(key);
    }),
    replicaScans: replicaScans((owner, _result, changed) => {
      if (changed) onEvent(clusterOf(owner));
    }),
    // A settled sync lets the retire step delete the leaving replica, or report why it cannot.
    replicaSyncs: replicaSyncs((owner, result) => {
      if (!result.ok) log.warn('Replica sync failed', { owner, error: result.error });
      onEvent(clusterOf(owner));
    }),
  };
}

/** Waits (bounded, each) for the work still running; false when some did not settle in time. */
export async function drainWork(work: BackgroundWork, timeoutMs: number): Promise<boolean> {
  return (
    (await work.schemaTasks.drain(timeoutMs)) &&
    (await work.replicaScans.drain(timeoutMs)) &&
    (await work.replicaSyncs.drain(timeoutMs))
  );
}

/** Forgets a deleted cluster's results (a task still running settles without storing its result). */
export function forgetWork(work: BackgroundWork, key: string): void {
  work.schemaTasks.forget(key);
  work.replicaScans.forget(scanOwner(key));
  for (const owner of work.replicaSyncs.owners())
    if (clusterOf(owner) === key) work.replicaSyncs.forget(owner);
}
