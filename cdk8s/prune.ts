// The prune CronJob (only with spec.schema.prune): `tracker prune --apply` in the ingest image, reading the
// ingest's own ConfigMap (the store of this cluster and spec.schema.retention) and the ClickHouse password.
// Its pods carry the instance label, so the ClickHouse NetworkPolicy admits them, and a component of their
// own, so no ingest selector (Service, PDB, Deployment) ever matches them.
import type { V1CronJob } from '@kubernetes/client-node';
import type { PruneSpec } from '../crds/spec.ts';
import type { TrackerCluster } from '../crds/trackercluster.ts';
import { type KubeObject, kube } from '../kube/object.ts';
import { configVolumes } from './ingest.ts';
import { ingestPaths } from './ingest-config.ts';
import { type Component, labels, metadata } from './meta.ts';
import type { Names } from './names.ts';
import { podSecurityContext, scratchVolumes, secureContainer } from './pod.ts';

const component: Component = 'prune';
/** uid of the `node` user in the official Node images (the ingest image). */
const uid = 1000;

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
  const config = configVolumes(tc, names);
  const scratch = scratchVolumes({ tmp: '/tmp' });
  const container = secureContainer(
    {
      name: 'prune',
      image: tc.spec.ingest.image,
      command: ['node', 'bin/tracker.ts'],
      args: pruneArgs(prune),
      volumeMounts: [...config.mounts, ...scratch.mounts],
    },
    prune.resources,
  );
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
          template: {
            metadata: { labels: labels(tc, component) },
            spec: {
              restartPolicy: 'Never',
              automountServiceAccountToken: false,
              securityContext: podSecurityContext(uid),
              containers: [container],
              volumes: [...config.volumes, ...scratch.volumes],
            },
          },
        },
      },
    },
  };
  return [kube(cronJob)];
}
