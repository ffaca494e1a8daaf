// ClickHouse server configuration of one replica, as config.d / users.d YAML files, split by what a change
// needs: remote_servers, macros, the Keeper section, users and profiles are reloaded by the running server
// (ClickHouse watches those files); everything else (ports, paths, interserver, extraConfig) is read only at
// start and needs a restart. Each part is hashed on its own; only the restart hash goes on the pod template.
import { stringify } from 'yaml';
import { mergeTreeDefaults, type Release } from '../common/merge-tree.ts';
import type { TrackerCluster } from '../crds/trackercluster.ts';
import { hashOf } from '../kube/hash.ts';
import { raftMembers } from './keeper.ts';
import type { ConfigHashes } from './meta.ts';
import { clickhouseClusterName, type Names, ports } from './names.ts';

/** Environment variables the pod sets from Secrets; the config only names them (from_env). */
export const clickhouseEnv = {
  password: 'TRACKER_CLICKHOUSE_PASSWORD',
  interserver: 'TRACKER_INTERSERVER_SECRET',
};
export const clickhouseDataDir = '/var/lib/clickhouse';
const fromEnv = (name: string) => ({ '@from_env': name });

export type ReplicaId = { shard: number; replica: number };

/** Keys of the per-replica ConfigMap; `configFiles` maps them to config.d/ or users.d/. */
export const configFiles = {
  server: { key: 'server.yaml', dir: 'config.d', path: '00-tracker-server.yaml', restart: true },
  cluster: { key: 'cluster.yaml', dir: 'config.d', path: '10-tracker-cluster.yaml', restart: false },
  extra: { key: 'extra.yaml', dir: 'config.d', path: '90-extra-config.yaml', restart: true },
  users: { key: 'users.yaml', dir: 'users.d', path: '10-tracker-users.yaml', restart: false },
} as const;

/**
 * The release an image's tag names (`clickhouse-server:25.8`, `:25.12.2.10-alpine`, with or without a
 * digest); undefined when the tag names none (`latest`, a digest alone, a tag of one's own).
 */
export function releaseOf(image: string): Release | undefined {
  const name = image.split('@')[0] ?? '';
  const colon = name.lastIndexOf(':');
  const tag = colon > name.lastIndexOf('/') ? name.slice(colon + 1) : '';
  const m = /^v?(\d+)\.(\d+)(?:[.-]|$)/.exec(tag);
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

/**
 * The MergeTree defaults of the embedded engine (the bounds on the files a part needs, parts synced before
 * their insert answers) that the image's release knows: a setting the release lacks would stop the server
 * at start. An image whose tag names no release gets
 * none (extraConfig can set them).
 */
function mergeTree(image: string) {
  const release = releaseOf(image);
  const bounds = release ? mergeTreeDefaults(release) : {};
  return Object.keys(bounds).length > 0 ? { merge_tree: bounds } : {};
}

function serverConfig(tc: TrackerCluster, names: Names, id: ReplicaId) {
  return {
    listen_host: '0.0.0.0',
    http_port: ports.clickhouseHttp,
    tcp_port: ports.clickhouseNative,
    interserver_http_port: ports.clickhouseInterserver,
    // Other replicas fetch parts from this name; it must be the pod's stable DNS name.
    interserver_http_host: names.replicaHost(id.shard, id.replica),
    interserver_http_credentials: { user: 'interserver', password: fromEnv(clickhouseEnv.interserver) },
    path: `${clickhouseDataDir}/`,
    tmp_path: `${clickhouseDataDir}/tmp/`,
    user_files_path: `${clickhouseDataDir}/user_files/`,
    format_schema_path: `${clickhouseDataDir}/format_schemas/`,
    logger: { level: 'information', console: 1 },
    prometheus: {
      endpoint: '/metrics',
      port: ports.metrics,
      metrics: true,
      events: true,
      asynchronous_metrics: true,
    },
    distributed_ddl: { path: '/clickhouse/task_queue/ddl' },
    default_replica_path: '/clickhouse/tables/{uuid}/{shard}',
    default_replica_name: '{replica}',
    ...mergeTree(tc.spec.clickhouse.image),
  };
}

/** Every host of every shard: all are listed before the first one starts (newer ClickHouse checks at boot). */
export function remoteServers(tc: TrackerCluster, names: Names) {
  const { shards, replicas } = tc.spec.clickhouse;
  return {
    [clickhouseClusterName]: {
      secret: fromEnv(clickhouseEnv.interserver),
      shard: Array.from({ length: shards }, (_, s) => ({
        internal_replication: true,
        replica: Array.from({ length: replicas }, (_, r) => ({
          host: names.replicaHost(s, r),
          port: ports.clickhouseNative,
        })),
      })),
    },
  };
}

export function macros(names: Names, id: ReplicaId) {
  return {
    cluster: clickhouseClusterName,
    shard: String(id.shard),
    replica: names.replica(id.shard, id.replica),
  };
}

function clusterConfig(tc: TrackerCluster, names: Names, id: ReplicaId) {
  return {
    remote_servers: remoteServers(tc, names),
    macros: macros(names, id),
    zookeeper: {
      node: raftMembers(tc, names).map((_, i) => ({ host: names.keeperHost(i), port: ports.keeperClient })),
      session_timeout_ms: 30_000,
      operation_timeout_ms: 10_000,
    },
  };
}

function usersConfig() {
  return {
    users: {
      default: {
        password: fromEnv(clickhouseEnv.password),
        networks: { ip: ['::/0'] },
        profile: 'default',
        quota: 'default',
        access_management: 1,
      },
    },
    profiles: { default: { distributed_ddl_output_mode: 'null_status_on_timeout', insert_deduplicate: 1 } },
  };
}

export function clickhouseConfig(tc: TrackerCluster, names: Names, id: ReplicaId) {
  const text = (v: unknown) => stringify(v, { lineWidth: 0 });
  const extra = tc.spec.clickhouse.extraConfig;
  const files: Record<string, string> = {
    [configFiles.server.key]: text(serverConfig(tc, names, id)),
    [configFiles.cluster.key]: text(clusterConfig(tc, names, id)),
    // Only when given: an empty YAML document is not a valid ClickHouse config file.
    ...(extra && Object.keys(extra).length > 0 ? { [configFiles.extra.key]: text(extra) } : {}),
    [configFiles.users.key]: text(usersConfig()),
  };
  const part = (restart: boolean) =>
    Object.values(configFiles)
      .filter((f) => f.restart === restart)
      .map((f) => files[f.key] ?? '');
  const hashes: ConfigHashes = { restart: hashOf(part(true)), hot: hashOf(part(false)) };
  return { files, hashes };
}
