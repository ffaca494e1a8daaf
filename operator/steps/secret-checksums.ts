// The checksums of the Secret values ClickHouse and ingest pods read only at start (cdk8s/pod-secrets.ts),
// handed to the renderer, which puts them on the pod templates: a rotated password or hash key then changes
// the template, and the existing rollouts restart the pods (ClickHouse one replica per shard at a time, the
// ingest Deployment after ClickHouse is rolled out: its step waits behind the clickhouseReady gate).
//
// The checksum is an HMAC-SHA256 keyed with the cluster's interserver secret (random, made by the operator
// and never rotated by it). The operator-made values are 24 random bytes, which no hash could give away, but
// a password the user chose may be guessable: a plain hash on a pod template, readable by anyone who may
// read StatefulSets, would let them test guesses offline; keyed, they cannot without a Secret.
//
// Reads only: the operator's own Secrets come from the informer cache, a Secret the user names (no operator
// label, so not cached) from one GET per reconcile. A Secret or key that cannot be read keeps the checksum
// the live workload carries: a Secret deleted by mistake must not restart pods that could not start again.
import { createHmac } from 'node:crypto';
import {
  annotations,
  credentialKeys,
  namesOf,
  podSecretKeys,
  type SecretChecksums,
  type SecretKeyRef,
} from '../../cdk8s/index.ts';
import type { TrackerCluster } from '../../crds/trackercluster.ts';
import { kinds } from '../../kube/kinds.ts';
import type { KubeObject } from '../../kube/object.ts';
import { objectPath } from '../../kube/paths.ts';
import type { Deps } from '../reconcile/state.ts';

/** Secret name → its `data` (base64 values), or undefined when it does not exist. */
export type SecretData = ReadonlyMap<string, Readonly<Record<string, string>> | undefined>;

/**
 * The checksum of `refs`' values, keyed with `key`; undefined when a value is missing. Name, key and
 * value are all hashed, each length-prefixed, so moving the password to another Secret counts as a change.
 */
export function checksumOf(
  refs: readonly SecretKeyRef[],
  data: SecretData,
  key: string | undefined,
): string | undefined {
  if (!key) return undefined;
  const hmac = createHmac('sha256', key);
  for (const ref of refs) {
    const value = data.get(ref.name)?.[ref.key];
    if (value === undefined) return undefined;
    for (const part of [ref.name, ref.key, value]) hmac.update(`${part.length}:${part}`);
  }
  return hmac.digest('hex').slice(0, 32);
}

/** Each component's checksum, or the live one where a value is missing (see the file's comment). */
export function checksumsOf(tc: TrackerCluster, data: SecretData, deps: Deps): SecretChecksums {
  const names = namesOf(tc);
  const refs = podSecretKeys(tc, names);
  const key = data.get(names.credentials)?.[credentialKeys.interserver];
  const live = liveChecksums(tc, deps);
  return {
    clickhouse: checksumOf(refs.clickhouse, data, key) ?? live.clickhouse,
    ingest: checksumOf(refs.ingest, data, key) ?? live.ingest,
  };
}

/** The names of every Secret the checksums need, each once: the keyed ones and the key's own. */
export function checksumSecrets(tc: TrackerCluster): string[] {
  const names = namesOf(tc);
  const refs = podSecretKeys(tc, names);
  return [...new Set([names.credentials, ...[...refs.clickhouse, ...refs.ingest].map((r) => r.name)])];
}

/**
 * The data of `secrets`: from the cache where it holds them, else one GET each (the user's). Synchronous
 * when the cache has them all (every reconcile of a cluster without spec.clickhouse.passwordSecretRef).
 */
export function readSecrets(
  secrets: readonly string[],
  ns: string,
  deps: Deps,
): SecretData | Promise<SecretData> {
  const data = new Map<string, Readonly<Record<string, string>> | undefined>();
  const uncached: string[] = [];
  for (const name of secrets) {
    const cached = deps.cache.get(kinds.Secret, ns, name);
    if (cached) data.set(name, dataOf(cached));
    else uncached.push(name);
  }
  if (uncached.length === 0) return data;
  return Promise.all(
    uncached.map(async (name) => {
      const got = await deps.rest.getOrUndefined<KubeObject>(objectPath(kinds.Secret, ns, name));
      data.set(name, got && dataOf(got));
    }),
  ).then(() => data);
}

const dataOf = (secret: KubeObject): Record<string, string> =>
  (secret as { data?: Record<string, string> }).data ?? {};

/** The checksums the live ClickHouse StatefulSets (the first that has one) and ingest Deployment carry. */
function liveChecksums(tc: TrackerCluster, deps: Deps): SecretChecksums {
  const names = namesOf(tc);
  const of = (o: KubeObject | undefined) =>
    (o?.spec as { template?: { metadata?: { annotations?: Record<string, string> } } } | undefined)?.template
      ?.metadata?.annotations?.[annotations.secretChecksum];
  const sets = deps.cache.owned(kinds.StatefulSet, names.namespace, tc.metadata.uid);
  return {
    clickhouse: sets.map(of).find((c) => c !== undefined),
    ingest: of(deps.cache.get(kinds.Deployment, names.namespace, names.ingest)),
  };
}
