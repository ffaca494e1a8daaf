// The schema Job for `tracker render --with-schema-job`: `tracker migrate` in the ingest image, reading the
// ingest's own ConfigMap (the store of this cluster, its rendering, spec.schema.retention and rollups) and
// the ClickHouse password, as the prune CronJob does. Without the operator nobody applied the schema: the
// ingest spooled every event and no insert succeeded. The operator never renders this Job (it applies the
// schema itself, gated before the ingest); renderCluster leaves it out, and this folder is a door of its
// own (index.ts) so that the operator's image, which carries what cdk8s/index.ts loads, does not carry it.
//
// restartPolicy OnFailure with a generous backoffLimit: applied together with ClickHouse, the Job's first
// runs find no server (exit 3) and the kubelet restarts the container with its growing back-off (10 s
// doubling to 5 min) until ClickHouse answers. The name carries a hash of the image and the ingest
// configuration: a Job's pod template cannot change, so an upgrade (new migrations) or a new retention
// renders a new Job, which runs once more (tracker migrate is idempotent), and the old one is pruned
// by the GitOps tool.
import { createHash } from 'node:crypto';
import type { V1Job } from '@kubernetes/client-node';
import type { TrackerCluster } from '../../crds/trackercluster.ts';
import { type KubeObject, kube } from '../../kube/object.ts';
import { cliPodTemplate } from '../cli-pod.ts';
import { ingestPaths } from '../ingest-config.ts';
import { type Component, metadata } from '../meta.ts';
import type { Names } from '../names.ts';

const component: Component = 'schema';
/** Restarts before the Job fails: with the kubelet's back-off (10 s doubling, capped at 5 min), about half an hour of waiting. */
export const SCHEMA_JOB_BACKOFF_LIMIT = 10;

/** `<name>-schema-<10 hex>`: the image and the ingest configuration the Job migrates with. */
export function schemaJobName(tc: TrackerCluster, names: Names, ingestConfigHash: string): string {
  const hash = createHash('sha256').update(`${tc.spec.ingest.image}\n${ingestConfigHash}`).digest('hex');
  return names.schemaJob(hash.slice(0, 10));
}

export function schemaJobObjects(tc: TrackerCluster, names: Names, ingestConfigHash: string): KubeObject[] {
  const job: V1Job = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: metadata(tc, schemaJobName(tc, names, ingestConfigHash), component),
    spec: {
      backoffLimit: SCHEMA_JOB_BACKOFF_LIMIT,
      template: cliPodTemplate(tc, names, {
        component,
        name: 'migrate',
        args: ['migrate', '--config', ingestPaths.configFile],
        resources: { requests: { cpu: '50m', memory: '128Mi' }, limits: { memory: '256Mi' } },
        restartPolicy: 'OnFailure',
      }),
    },
  };
  return [kube(job)];
}
