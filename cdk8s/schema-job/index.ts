// The door to the schema Job of `tracker render --with-schema-job` (job.ts), apart from cdk8s/index.ts: the
// operator never renders it, and its image carries only what cdk8s/index.ts loads. The CLI imports this.
import { App } from 'cdk8s';
import type { TrackerCluster } from '../../crds/trackercluster.ts';
import type { KubeObject } from '../../kube/object.ts';
import { ComponentChart } from '../chart.ts';
import { namesOf } from '../names.ts';
import { schemaJobObjects } from './job.ts';

/**
 * The schema Job of `tracker render --with-schema-job`, for a cluster nobody runs the operator for. Never
 * part of renderCluster: the operator applies the schema itself, before the ingest starts.
 * `ingestConfigHash` is renderCluster's hashes.ingest (a new configuration is a new Job).
 */
export function renderSchemaJob(tc: TrackerCluster, ingestConfigHash: string): KubeObject[] {
  const names = namesOf(tc);
  const chart = new ComponentChart(
    new App(),
    'schema',
    names.namespace,
    schemaJobObjects(tc, names, ingestConfigHash),
  );
  return chart.toJson() as KubeObject[];
}
