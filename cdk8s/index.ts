// renderCluster: a TrackerCluster → every Kubernetes object it needs, plus the config hashes the operator
// compares to decide on restarts. Pure: no I/O, no clock, no randomness (Secrets with random values are the
// operator's job; `secrets` says which). One cdk8s Chart per component synthesizes the objects
// (sorted keys, namespace applied), so the output is byte-for-byte stable. See docs/adr/0004-cdk8s-plus.md.
// The schema Job of `tracker render --with-schema-job` has a door of its own (schema-job/index.ts): the
// operator's image carries what this file loads, and the operator never renders that Job.
import { App } from 'cdk8s';
import { ConfigError } from '../common/config/problems.ts';
import type { TrackerCluster } from '../crds/trackercluster.ts';
import { parseTrackerCluster } from '../crds/validate.ts';
import type { KubeObject } from '../kube/object.ts';
import { batchingProblems, specRetentionProblems } from '../schema/index.ts';
import { ComponentChart } from './chart.ts';
import { clickhouseObjects } from './clickhouse.ts';
import { ingestObjects } from './ingest.ts';
import { keeperObjects } from './keeper.ts';
import type { ConfigHashes } from './meta.ts';
import { credentialKeys, namesOf } from './names.ts';
import { natsObjects } from './nats.ts';
import { dataNetworkPolicies } from './network.ts';
import { defaultPrometheus, type RenderOptions } from './options.ts';
import { pruneObjects } from './prune.ts';

// The renderer's public surface: everything outside cdk8s/ imports from here (the schema Job from
// schema-job/index.ts).
export { replicaIds } from './clickhouse.ts';
export {
  annotations,
  type Component,
  type ConfigHashes,
  labelKeys,
  labels,
  ownerReferences,
} from './meta.ts';
export { clickhouseClusterName, credentialKeys, namesOf, ports } from './names.ts';
export {
  defaultPrometheus,
  type PodPeer,
  type RenderOptions,
  type SchemaMode,
  type SchemaOwner,
  type SecretChecksums,
} from './options.ts';
export { podSecretKeys, type SecretKeyRef, specSecrets } from './pod-secrets.ts';

export type RenderHashes = {
  keeper: ConfigHashes;
  /** Per ClickHouse StatefulSet name (`<name>-ch-<shard>-<replica>`). */
  clickhouse: Record<string, ConfigHashes>;
  ingest: string;
};

export type GeneratedSecret = { name: string; keys: string[] };

export type Rendered = {
  objects: KubeObject[];
  hashes: RenderHashes;
};

/**
 * Every object of `tc`. `opts` come from the installation: the operator's schema mode (the ingest's
 * mutations follow it) and where Prometheus runs (the only pods that may reach the ingest's metrics).
 */
export function renderCluster(tc: TrackerCluster, opts: RenderOptions = {}): Rendered {
  const names = namesOf(tc);
  const keeper = keeperObjects(tc, names);
  const checksums = opts.secretChecksums ?? {};
  const clickhouse = clickhouseObjects(tc, names, checksums.clickhouse);
  const prometheus = opts.prometheus ?? defaultPrometheus;
  const ingest = ingestObjects(tc, names, {
    schemaMode: opts.schemaMode ?? 'cluster',
    schemaOwner: opts.schemaOwner,
    prometheus,
    secretChecksum: checksums.ingest,
  });
  const app = new App();
  const charts = [
    new ComponentChart(app, 'keeper', names.namespace, keeper.objects),
    new ComponentChart(app, 'clickhouse', names.namespace, clickhouse.objects),
    new ComponentChart(
      app,
      'network',
      names.namespace,
      dataNetworkPolicies(tc, names, prometheus, opts.operatorNamespace),
    ),
    new ComponentChart(app, 'nats', names.namespace, natsObjects(tc, names)),
    new ComponentChart(app, 'ingest', names.namespace, ingest.objects),
    new ComponentChart(app, 'prune', names.namespace, pruneObjects(tc, names)),
  ];
  return {
    objects: charts.flatMap((c) => c.toJson() as KubeObject[]),
    hashes: { keeper: keeper.hashes, clickhouse: clickhouse.hashes, ingest: ingest.hash },
  };
}

/**
 * The Secrets a cluster's objects reference that nobody renders (the operator creates them with random
 * values), from the spec alone: the operator creates them before it renders anything, so a new cluster's
 * first write does not wait for its rendering.
 */
export function generatedSecrets(tc: TrackerCluster): GeneratedSecret[] {
  const names = namesOf(tc);
  const keys = tc.spec.clickhouse.passwordSecretRef
    ? [credentialKeys.interserver]
    : [credentialKeys.password, credentialKeys.interserver];
  // The hash key is a Secret of its own: the credentials Secret is never updated once created, and
  // clusters made before the key existed get it this way too.
  return [
    { name: names.credentials, keys },
    { name: names.hashKey, keys: [credentialKeys.hashKey] },
  ];
}

/**
 * Any TrackerCluster object (YAML, or the apiserver's) → the defaulted, valid cluster renderCluster takes:
 * the CRD's own checks (crds/validate.ts), then what the CRD cannot check, retention only for tables the
 * migrations know (a misspelt table would be ignored by the TTLs, the prune and the ingest alike), and
 * batching overrides only for tables the ingest writes (it refuses to start on any other). The
 * operator and `tracker render` both parse with it, so neither accepts a spec the other refuses.
 */
export function parseCluster(input: unknown): TrackerCluster {
  const tc = parseTrackerCluster(input);
  const problems = [
    ...specRetentionProblems(tc.spec.schema),
    ...batchingProblems(tc.spec.ingest.config.batching?.tables, 'spec.ingest.config.batching'),
  ];
  if (problems.length > 0) throw new ConfigError(`TrackerCluster ${tc.metadata.name}`, problems);
  return tc;
}
