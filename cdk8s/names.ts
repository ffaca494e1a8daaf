// Names and DNS of every rendered object. One place, so the operator, the renderer and the docs agree.
// Indices are 0-based everywhere (object names and the {shard} macro), as in both ClickHouse operators.
import type { TrackerCluster } from '../crds/trackercluster.ts';

/** The cluster name in remote_servers and the {cluster} macro (one ClickHouse cluster per TrackerCluster). */
export const clickhouseClusterName = 'tracker';

export const ports = {
  clickhouseHttp: 8123,
  clickhouseNative: 9000,
  clickhouseInterserver: 9009,
  metrics: 9363,
  keeperClient: 2181,
  keeperRaft: 9234,
  keeperHttpControl: 9182,
  natsClient: 4222,
  natsCluster: 6222,
  natsMonitor: 8222,
} as const;

export type Names = ReturnType<typeof namesOf>;

export function namesOf(tc: TrackerCluster) {
  const base = tc.metadata.name;
  const namespace = tc.metadata.namespace ?? 'default';
  const svcDomain = `${namespace}.svc.${tc.spec.clusterDomain}`;
  const keeper = `${base}-keeper`;
  const keeperHeadless = `${base}-keeper-headless`;
  const clickhouseHeadless = `${base}-ch-headless`;
  const natsHeadless = `${base}-nats-headless`;
  return {
    namespace,
    /** Secret the operator creates when missing (keys in credentialKeys). */
    credentials: `${base}-credentials`,
    /** Secret the operator creates when missing: the ingest's HMAC key, one for every replica. */
    hashKey: `${base}-hash-key`,
    keeper,
    keeperHeadless,
    /** DNS of Keeper member `i`, stable across restarts (the headless Service publishes not-ready pods). */
    keeperHost: (i: number) => `${keeper}-${i}.${keeperHeadless}.${svcDomain}`,
    clickhouse: `${base}-clickhouse`,
    clickhouseHeadless,
    /** StatefulSet (and ConfigMap) of shard `s`, replica `r`; its single pod is `<name>-0`. */
    replica: (s: number, r: number) => `${base}-ch-${s}-${r}`,
    replicaHost: (s: number, r: number) => `${base}-ch-${s}-${r}-0.${clickhouseHeadless}.${svcDomain}`,
    shardPdb: (s: number) => `${base}-ch-${s}`,
    clickhouseUrl: `http://${base}-clickhouse.${svcDomain}:${ports.clickhouseHttp}`,
    clickhouseNetworkPolicy: `${base}-clickhouse`,
    ingest: `${base}-ingest`,
    ingestHost: `${base}-ingest.${svcDomain}`,
    ingestTlsSecret: `${base}-ingest-tls`,
    /** The CronJob running tracker prune (spec.schema.prune). */
    prune: `${base}-prune`,
    /** The Job running tracker migrate (tracker render --with-schema-job), named for what it migrates with. */
    schemaJob: (hash: string) => `${base}-schema-${hash}`,
    nats: `${base}-nats`,
    natsHeadless,
    natsHost: (i: number) => `${base}-nats-${i}.${natsHeadless}.${svcDomain}`,
    natsUrl: `nats://${base}-nats.${svcDomain}:${ports.natsClient}`,
  };
}

/** Keys of the `<name>-credentials` Secret; the operator fills them with random values when absent. */
export const credentialKeys = {
  /** Password of ClickHouse's default user, unless spec.clickhouse.passwordSecretRef names another Secret. */
  password: 'password',
  /** Shared secret of remote_servers and the interserver HTTP credentials. */
  interserver: 'interserver-secret',
  /** Key of the `<name>-hash-key` Secret: the ingest's HMAC key (privacy.hashKeyFile). */
  hashKey: 'hash-key',
} as const;
