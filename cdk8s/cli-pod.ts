// The pod of a `tracker` command run as a Kubernetes job (the prune CronJob, the schema Job of
// `tracker render --with-schema-job`): the ingest image, which carries the command, reading the ingest's
// own ConfigMap and the ClickHouse password; non-root, a read-only root file system with /tmp as scratch,
// and no service-account token (the command talks to ClickHouse, never to the apiserver). Its labels carry
// the instance, so the ClickHouse NetworkPolicy admits it, and a component of its own, so no ingest
// selector (Service, PDB, Deployment) ever matches it.
import type { V1PodTemplateSpec } from '@kubernetes/client-node';
import type { Resources } from '../crds/spec.ts';
import type { TrackerCluster } from '../crds/trackercluster.ts';
import { configVolumes } from './ingest.ts';
import { type Component, labels } from './meta.ts';
import type { Names } from './names.ts';
import { podSecurityContext, scratchVolumes, secureContainer } from './pod.ts';

/** uid of the `node` user in the official Node images (the ingest image). */
const uid = 1000;

export interface CliRun {
  readonly component: Component;
  /** The container's name. */
  readonly name: string;
  /** `tracker`'s arguments, the subcommand first (with `--config` naming ingestPaths.configFile). */
  readonly args: readonly string[];
  readonly resources: Resources;
  readonly restartPolicy: 'Never' | 'OnFailure';
}

/** The pod template that runs `tracker <args>` with the ingest's configuration mounted. */
export function cliPodTemplate(tc: TrackerCluster, names: Names, run: CliRun): V1PodTemplateSpec {
  const config = configVolumes(tc, names);
  const scratch = scratchVolumes({ tmp: '/tmp' });
  const container = secureContainer(
    {
      name: run.name,
      image: tc.spec.ingest.image,
      command: ['node', 'bin/tracker.ts'],
      args: [...run.args],
      volumeMounts: [...config.mounts, ...scratch.mounts],
    },
    run.resources,
  );
  return {
    metadata: { labels: labels(tc, run.component) },
    spec: {
      restartPolicy: run.restartPolicy,
      automountServiceAccountToken: false,
      securityContext: podSecurityContext(uid),
      containers: [container],
      volumes: [...config.volumes, ...scratch.volumes],
    },
  };
}
