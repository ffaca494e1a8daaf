// The prune CronJob (only with spec.schema.prune): `tracker prune --apply` in the ingest image, reading the
// ingest's own ConfigMap (the store of this cluster and spec.schema.retention) and the ClickHouse password
// (its pod: cli-pod.ts).
import type { V1CronJob } from '@kubernetes/client-node';
import type { PruneSpec } from '../crds/spec.ts';
import type { TrackerCluster } from '../crds/trackercluster.ts';
import { type KubeObject, kube } from '../kube/object.ts';
import { cliPodTemplate } from './cli-pod.ts';
import { ingestPaths } from './ingest-config.ts';
import { type Component, metadata } from './meta.ts';
import type { Names } from './names.ts';

const component: Component = 'prune';

/** The flags of one run: the mode, and the job's own ages when it has them (else the config's retention). */
export function pruneArgs(prune: PruneSpec): string[] {
  const args = ['prune', '--config', ingestPaths.configFile, '--apply', '--mode', prune.mode];
  const retention = prune.retention;
  if (retention?.defaultDays !== undefined) args.push('--days', String(retention.defaultDays));
  for (const [table, days] of Object.entries(retention?.tables ?? {}))
    args.push('--table', `${table}=${days}`);
  return args;
}

export function pruneObjects(tc: TrackerCluster, names: Names): KubeObject[] {
  const prune = tc.spec.schema.prune;
  if (prune === undefined) return [];
  const cronJob: V1CronJob = {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: metadata(tc, names.prune, component),
    spec: {
      schedule: prune.schedule,
      ...(prune.timeZone === undefined ? {} : { timeZone: prune.timeZone }),
      suspend: prune.suspend,
      // Two runs at once would mutate the same partitions; a late run is skipped, the next one catches up.
      concurrencyPolicy: 'Forbid',
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 3,
      jobTemplate: {
        spec: {
          backoffLimit: 2,
          template: cliPodTemplate(tc, names, {
            component,
            name: 'prune',
            args: pruneArgs(prune),
            resources: prune.resources,
            restartPolicy: 'Never',
          }),
        },
      },
    },
  };
  return [kube(cronJob)];
}
