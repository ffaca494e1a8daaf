// The ingest configuration file the ingest pods load (TRACKER_CONFIG). It is spec.ingest.config (the shared
// schema of common/config/ingest.ts) plus what only the cluster knows: the store (this cluster's ClickHouse,
// as the operator's schema mode lays out its tables), retention and rollups (spec.schema), TLS, spool and
// destination paths (volumes mounted by the Deployment; each destination's credential is a Secret key
// mounted as a file), and the NATS URL.
// The result is checked against the same schema the ingest validates with, so a drift fails here first.
import Value from 'typebox/value';
import { IngestConfig } from '../common/config/ingest.ts';
import { withKeyPatterns } from '../common/config/key-patterns.ts';
import type { TrackerCluster } from '../crds/trackercluster.ts';
import { replicaIds } from './clickhouse.ts';
import { clickhouseClusterName, type Names, ports } from './names.ts';
import type { SchemaMode, SchemaOwner } from './options.ts';

/** Paths inside the ingest container; the Deployment mounts a volume at each directory. */
export const ingestPaths = {
  configDir: '/etc/tracker/config',
  configFile: '/etc/tracker/config/config.json',
  passwordDir: '/etc/tracker/clickhouse',
  passwordFile: '/etc/tracker/clickhouse/password',
  tlsDir: '/etc/tracker/tls',
  hashKeyDir: '/etc/tracker/hash-key',
  hashKeyFile: '/etc/tracker/hash-key/key',
  spoolDir: '/var/lib/tracker/spool',
  stateDir: '/var/lib/tracker/state',
  destinationsDir: '/var/lib/tracker/destinations',
  /** <destinationSecretsDir>/<name>/{token,secret}: one Secret volume per destination. */
  destinationSecretsDir: '/etc/tracker/destinations',
} as const;

/** Where the Secret key of destination `name` is mounted (its volume is named by destinationVolume). */
export const destinationSecretFile = (name: string, file: 'token' | 'secret') =>
  `${ingestPaths.destinationSecretsDir}/${name}/${file}`;

/** Destinations with their Secret references turned into the files the Deployment mounts. */
function destinations(tc: TrackerCluster) {
  const { facebook, webhooks, nats } = tc.spec.ingest.destinations;
  return {
    dir: ingestPaths.destinationsDir,
    facebook: facebook.map(({ accessTokenSecretRef: _ref, ...d }) => ({
      ...d,
      accessTokenFile: destinationSecretFile(d.name, 'token'),
    })),
    webhooks: webhooks.map(({ signingSecretRef: _ref, ...d }) => ({
      ...d,
      signingSecretFile: destinationSecretFile(d.name, 'secret'),
    })),
    nats,
  };
}

/**
 * A JetStream spool on the in-cluster NATS (spec.nats) unless the user named a server (spool.nats). Its
 * stream is kept on up to three servers: with one copy, losing one NATS volume loses acknowledged events.
 */
function inClusterSpool(tc: TrackerCluster, names: Names) {
  const { spool } = tc.spec.ingest.config;
  if (spool?.kind !== 'nats' || spool.nats !== undefined || !tc.spec.nats) return {};
  return { nats: { url: names.natsUrl, replicas: natsCopies(tc) } };
}

/**
 * The in-cluster NATS as nats.url (salts, shared rate limits, fan-out) unless the user named a server. Its
 * KV buckets get as many copies as the spool's stream: with one, the NATS volume holding the salts bucket
 * takes every cookieless visitor's id for the day with it. A replica count the user set is kept.
 */
function inClusterNats(tc: TrackerCluster, names: Names) {
  const user = tc.spec.ingest.config.nats;
  if (!tc.spec.nats) return {};
  if (user?.url !== undefined) return { nats: user };
  return { nats: { ...user, url: names.natsUrl, replicas: user?.replicas ?? natsCopies(tc) } };
}

/** Copies of what the ingest keeps on the in-cluster NATS: up to three, never more than its servers. */
const natsCopies = (tc: TrackerCluster) => Math.min(tc.spec.nats?.replicas ?? 1, 3);

/**
 * This cluster's ClickHouse through its Service. `cluster` mode: store.cluster, so mutations target the
 * Replicated `X_local` tables ON CLUSTER and wait for every replica. `per-replica` mode: no ON CLUSTER (no
 * Keeper runs its queue) and no `X_local`; each server's tables are its own and the Service spreads inserts
 * over all of them, so store.hostUrls names every server and each mutation runs on each.
 */
function store(tc: TrackerCluster, names: Names, mode: SchemaMode, owner: SchemaOwner | undefined) {
  const base = {
    kind: 'clickhouse' as const,
    url: names.clickhouseUrl,
    database: tc.spec.schema.database,
    username: 'default',
    passwordFile: ingestPaths.passwordFile,
    ...(owner === undefined ? {} : { schemaOwner: owner }),
  };
  if (mode === 'cluster') return { ...base, cluster: clickhouseClusterName };
  const hostUrls = replicaIds(tc).map(
    ({ shard, replica }) => `http://${names.replicaHost(shard, replica)}:${ports.clickhouseHttp}`,
  );
  return { ...base, hostUrls };
}

export class IngestConfigInvalid extends Error {
  override readonly name = 'IngestConfigInvalid';
}

/** `owner` who applies the schema (RenderOptions.schemaOwner): the remedy the ingest names follows it. */
export function ingestConfig(
  tc: TrackerCluster,
  names: Names,
  mode: SchemaMode = 'cluster',
  owner?: SchemaOwner,
): IngestConfig {
  const user = structuredClone(tc.spec.ingest.config);
  const config = {
    ...user,
    server: {
      ...user.server,
      // Prometheus scrapes each pod on its pod IP: the ingest's loopback default would be unreachable.
      opsHost: user.server?.opsHost ?? user.server?.host ?? '0.0.0.0',
      stateDir: ingestPaths.stateDir,
      ...(tc.spec.ingest.tls
        ? { tls: { certFile: `${ingestPaths.tlsDir}/tls.crt`, keyFile: `${ingestPaths.tlsDir}/tls.key` } }
        : {}),
    },
    store: store(tc, names, mode, owner),
    spool: { ...user.spool, dir: ingestPaths.spoolDir, ...inClusterSpool(tc, names) },
    // The dashboard is a local convenience; in a cluster it is opt-in (Grafana's dashboards are the
    // cluster's view), and it then asks for the read credential.
    dashboard: { enabled: false, ...user.dashboard },
    destinations: destinations(tc),
    // One HMAC key for every replica (a Secret the operator generates): hashed emails and the shared
    // rate-limit keys must be the same whichever pod computes them. Cookieless visitor ids also need one
    // daily salt, which only `privacy.salts: nats` shares (the salt is random and never derived from the key).
    privacy: { ...user.privacy, hashKeyFile: ingestPaths.hashKeyFile },
    retention: tc.spec.schema.retention,
    rollups: tc.spec.schema.rollups,
    ...inClusterNats(tc, names),
  };
  const defaulted = Value.Default(IngestConfig, config);
  // with every map's key pattern, as the ingest's loader checks it
  const problems = [...Value.Errors(withKeyPatterns(IngestConfig), defaulted)].map(
    (e) => `${e.instancePath || '/'}: ${e.message}`,
  );
  if (problems.length > 0) {
    throw new IngestConfigInvalid(
      `rendered ingest config does not match the ingest schema: ${problems.join('; ')}`,
    );
  }
  return defaulted as IngestConfig;
}
