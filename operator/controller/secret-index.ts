// The Secrets each TrackerCluster names in its spec (cdk8s/pod-secrets.ts specSecrets), indexed the other way
// round too: a Secret's watch event finds the clusters that name it by one lookup, not by reading every
// cluster's spec. Kept in step with the TrackerCluster informer: every event of a cluster sets its entry
// again (a spec that changed moves it), a deleted cluster drops it.
import { namesOf, specSecrets } from '../../cdk8s/index.ts';
import type { TrackerCluster } from '../../crds/trackercluster.ts';
import type { KubeObject } from '../../kube/object.ts';
import { objectKey } from './informer.ts';

export class SecretIndex {
  /** `namespace/secret` → the keys of the clusters that name it. */
  readonly #clusters = new Map<string, Set<string>>();
  /** Cluster key → the `namespace/secret` keys it is indexed under. */
  readonly #secrets = new Map<string, readonly string[]>();

  /** The cluster `tc` now names the Secrets its spec names. A spec the operator cannot read names none. */
  set(tc: KubeObject): void {
    const key = objectKey(tc.metadata.namespace, tc.metadata.name);
    this.delete(key);
    const names = secretsOf(tc);
    if (names.length === 0) return;
    const secrets = names.map((name) => objectKey(tc.metadata.namespace, name));
    this.#secrets.set(key, secrets);
    for (const secret of secrets) {
      let clusters = this.#clusters.get(secret);
      if (!clusters) {
        clusters = new Set();
        this.#clusters.set(secret, clusters);
      }
      clusters.add(key);
    }
  }

  /** The cluster `key` is gone. */
  delete(key: string): void {
    for (const secret of this.#secrets.get(key) ?? []) {
      const clusters = this.#clusters.get(secret);
      clusters?.delete(key);
      if (clusters?.size === 0) this.#clusters.delete(secret);
    }
    this.#secrets.delete(key);
  }

  /** The keys of the clusters whose spec names Secret `name` in `namespace`. */
  clusters(namespace: string | undefined, name: string): string[] {
    return [...(this.#clusters.get(objectKey(namespace, name)) ?? [])];
  }

  /** How many Secrets are indexed (for tests and metrics). */
  get size(): number {
    return this.#clusters.size;
  }
}

/**
 * The Secret names of a cluster object as the informer delivers it (defaults not applied, so every list
 * may be absent). An object the CRD's schema would refuse is read as far as it goes: the watch must never
 * throw.
 */
function secretsOf(obj: KubeObject): string[] {
  const tc = obj as unknown as TrackerCluster;
  const spec = (tc.spec ?? {}) as Partial<TrackerCluster['spec']>;
  const ingest = (spec.ingest ?? {}) as Partial<TrackerCluster['spec']['ingest']>;
  const destinations = (ingest.destinations ?? {}) as Partial<
    TrackerCluster['spec']['ingest']['destinations']
  >;
  try {
    return specSecrets(
      {
        ...tc,
        spec: {
          ...spec,
          clickhouse: spec.clickhouse ?? {},
          ingest: { ...ingest, destinations: { facebook: [], webhooks: [], ...destinations } },
        },
      } as TrackerCluster,
      namesOf(tc),
    );
  } catch {
    return [];
  }
}
