// Test helpers: a TrackerCluster from a partial spec, and lookups in rendered output.

import type { TrackerCluster } from '../../crds/trackercluster.ts';
import { parseTrackerCluster } from '../../crds/validate.ts';
import type { KubeObject } from '../../kube/object.ts';

export function cluster(spec: unknown = {}, metadata: Record<string, unknown> = {}): TrackerCluster {
  return parseTrackerCluster({
    apiVersion: 'tracker.dev/v1alpha1',
    kind: 'TrackerCluster',
    metadata: { name: 'demo', namespace: 'ns', ...metadata },
    spec,
  });
}

export function find(objects: readonly KubeObject[], kind: string, name: string): KubeObject {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found)
    throw new Error(`no ${kind}/${name} in ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}`);
  return found;
}

/** Deep property access for assertions on untyped rendered objects. */
// biome-ignore lint/suspicious/noExplicitAny: assertions walk arbitrary rendered JSON.
export const json = (o: unknown): any => o;
