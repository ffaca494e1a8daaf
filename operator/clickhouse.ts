// How the operator reaches ClickHouse, and the schema it applies there. The seam for tests is ONE map in the config: replica DNS name → URL. Empty in a cluster (every replica is reached through
// its stable StatefulSet DNS name on the HTTP port); tests map each replica to its own ClickHouse-HTTP test
// double on loopback, so "verified on every replica" queries as many servers as there are replicas.
import { clickhouseClusterName, namesOf, ports, replicaIds } from '../cdk8s/index.ts';
import type { TrackerCluster } from '../crds/trackercluster.ts';
import {
  appliedVersion,
  applyMigrations,
  ensureRollupSettings,
  loadMigrations,
  type RollupRules,
} from '../schema/index.ts';
import { ClickHouseStore, type SqlRunner } from '../store/index.ts';
import { ClientCache, type ClientCacheOptions } from './clickhouse-clients.ts';
import type { OperatorConfig } from './config.ts';

export type Replica = { shard: number; replica: number; host: string; url: string };

export interface ClickHouseAccess {
  replicas(tc: TrackerCluster, shards: number): Replica[];
  /** Runs `fn` on one replica through its cached client (clickhouse-clients.ts); never closed by callers. */
  use<T>(replica: Replica, password: string, fn: (sql: SqlRunner) => Promise<T>): Promise<T>;
  /** Closes every cached client (controller stop, after its reconciles drained). */
  close(): Promise<void>;
  readonly schemaMode: OperatorConfig['clickhouse']['schemaMode'];
}

export function clickhouseAccess(
  config: OperatorConfig['clickhouse'],
  create: ClientCacheOptions['create'] = storeFor(config),
): ClickHouseAccess {
  const clients = new ClientCache({ create });
  return {
    schemaMode: config.schemaMode,
    replicas(tc, shards) {
      const names = namesOf(tc);
      return replicaIds({ ...tc, spec: { ...tc.spec, clickhouse: { ...tc.spec.clickhouse, shards } } }).map(
        ({ shard, replica }) => {
          const host = names.replicaHost(shard, replica);
          const url = config.endpoints[host] ?? `http://${host}:${ports.clickhouseHttp}`;
          return { shard, replica, host, url };
        },
      );
    },
    use: (replica, password, fn) => clients.use(replica.url, password, fn),
    close: () => clients.close(),
  };
}

const storeFor =
  (config: OperatorConfig['clickhouse']): ClientCacheOptions['create'] =>
  (url, password) =>
    // `default` database: the tracker database may not exist yet; every statement is fully qualified.
    new ClickHouseStore({ url, database: 'default', password, requestTimeoutMs: config.requestTimeoutMs });

export const latestSchemaVersion = (): number => Math.max(0, ...loadMigrations().map((m) => m.version));

/** The applied version on one replica; 0 when the database or the migrations table does not exist yet. */
export async function replicaVersion(sql: SqlRunner, database: string): Promise<number> {
  try {
    return await appliedVersion(sql, database);
  } catch (err) {
    if (/UNKNOWN_DATABASE|UNKNOWN_TABLE|does not exist/i.test((err as Error).message)) return 0;
    throw err;
  }
}

export type SchemaTarget = { tc: TrackerCluster; replicas: Replica[]; password: string };

/**
 * Bring every replica to the latest version and return the verified version per replica host; once every
 * replica is current, make the rollup rules there match spec.schema.rollups (one read when they do).
 * cluster mode: one ON CLUSTER run on the first replica (replication does the rest), then verify each.
 * per-replica mode: the single-node rendering on each replica that is behind.
 */
export async function ensureSchema(
  access: ClickHouseAccess,
  target: SchemaTarget,
): Promise<Map<string, number>> {
  const { database, retention, rollups } = target.tc.spec.schema;
  const latest = latestSchemaVersion();
  let versions = await readVersions(access, target, database);
  const behind = target.replicas.filter((r) => (versions.get(r.host) ?? 0) < latest);
  const cluster = access.schemaMode === 'cluster' ? clickhouseClusterName : undefined;
  // The rendering the replicas hold decides who stores the rules: one replicated table, or one per replica.
  const writers = cluster ? target.replicas.slice(0, 1) : target.replicas;
  const runOn = behind.length === 0 ? [] : cluster ? writers : behind;
  for (const replica of runOn) {
    await withConnection(access, replica, target.password, async (sql) => {
      try {
        await applyMigrations(sql, { database, retention, rollups, ...(cluster ? { cluster } : {}) });
      } catch (err) {
        throw new Error(`apply schema on ${replica.host}: ${(err as Error).message}`, { cause: err });
      }
    });
  }
  if (behind.length > 0) versions = await readVersions(access, target, database);
  if (target.replicas.every((r) => (versions.get(r.host) ?? 0) >= latest)) {
    await ensureRules(access, target, writers, rollups);
  }
  return versions;
}

async function ensureRules(
  access: ClickHouseAccess,
  target: SchemaTarget,
  writers: readonly Replica[],
  rollups: RollupRules,
): Promise<void> {
  const { database } = target.tc.spec.schema;
  for (const replica of writers) {
    await withConnection(access, replica, target.password, (sql) =>
      ensureRollupSettings(sql, database, rollups),
    );
  }
}

async function readVersions(access: ClickHouseAccess, target: SchemaTarget, database: string) {
  const entries = await Promise.all(
    target.replicas.map(async (r) => {
      const version = await withConnection(access, r, target.password, (sql) =>
        replicaVersion(sql, database),
      );
      return [r.host, version] as const;
    }),
  );
  return new Map(entries);
}

async function withConnection<T>(
  access: ClickHouseAccess,
  replica: Replica,
  password: string,
  fn: (sql: SqlRunner) => Promise<T>,
): Promise<T> {
  try {
    return await access.use(replica, password, fn);
  } catch (err) {
    const message = (err as Error).message;
    throw new Error(message.includes(replica.host) ? message : `query ${replica.host}: ${message}`, {
      cause: err,
    });
  }
}
