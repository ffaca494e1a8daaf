// The Secret values a component's pods read only when a container starts: the ClickHouse password reaches
// ClickHouse as an environment variable and the ingest as a file read at startup, the hash key likewise. A
// new value in one of these Secrets changes nothing in a running pod, so the operator puts a checksum of
// them on the pod template (annotations.secretChecksum) and a rotation rolls the pods like a config change.
// Left out on purpose: the interserver secret (ClickHouse replicas rolled one at a time onto a new one could
// not replicate from the others until all had it; the operator never rotates it), the ingest's TLS Secret
// (the ingest reloads its certificate and key when the mounted files change, ingest/tls/reload.ts) and the
// destinations' credentials (the ingest reads a credential file at every send): the kubelet updates those
// files in place, so a rotation reaches the running pods without a restart.
import type { TrackerCluster } from '../crds/trackercluster.ts';
import { credentialKeys, type Names } from './names.ts';

/** One value of one Secret. */
export type SecretKeyRef = { readonly name: string; readonly key: string };

/** The password of ClickHouse's default user: the spec's Secret, or the one the operator generates. */
export function passwordRef(tc: TrackerCluster, names: Names): SecretKeyRef {
  return tc.spec.clickhouse.passwordSecretRef ?? { name: names.credentials, key: credentialKeys.password };
}

/** Per component with a checksum, the Secret values its pods read at start, in a fixed order. */
export function podSecretKeys(
  tc: TrackerCluster,
  names: Names,
): { readonly clickhouse: SecretKeyRef[]; readonly ingest: SecretKeyRef[] } {
  const password = passwordRef(tc, names);
  return {
    clickhouse: [password],
    ingest: [password, { name: names.hashKey, key: credentialKeys.hashKey }],
  };
}

/**
 * The Secrets the spec names, which the operator does not make and so does not find through its own
 * objects: the password Secret, the ingest's TLS Secret (the user's, or the one cert-manager writes for an
 * issuerRef) and the destinations' credentials. Each once, sorted. The operator watches these by name, so
 * a rotation, or a Secret created after the cluster that waited for it, is acted on at once.
 */
export function specSecrets(tc: TrackerCluster, names: Names): string[] {
  const { tls, destinations } = tc.spec.ingest;
  const refs = [
    tc.spec.clickhouse.passwordSecretRef?.name,
    tls && (tls.secretName ?? names.ingestTlsSecret),
    ...destinations.facebook.map((d) => d.accessTokenSecretRef.name),
    ...destinations.webhooks.map((d) => d.signingSecretRef.name),
  ];
  return [...new Set(refs.filter((r): r is string => r !== undefined))].sort();
}
