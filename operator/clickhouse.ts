// How the operator reaches ClickHouse. The seam for tests is ONE map in the config: replica DNS name → URL.
// Empty in a cluster (every replica is reached through its stable StatefulSet DNS name on the HTTP port);
// tests map each replica to its own ClickHouse-HTTP test double on loopback, so "verified on every replica"
// queries as many servers as there are replicas. The schema applied there: ensure-schema.ts.
import { namesOf, ports, replicaIds } from '../cdk8s/index.ts';
import type { TrackerCluster } from '../crds/trackercluster.ts';
import { appliedVersion, loadMigrations, type Migration } from '../schema/index.ts';
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

let loaded: readonly Migration[] | undefined;
/** The migrations this operator carries (read from disk once: they ship with it and never change). */
export const migrations = (): readonly Migration[] => {
  loaded ??= loadMigrations();
  return loaded;
};

export const latestSchemaVersion = (): number => Math.max(0, ...migrations().map((m) => m.version));

/** The applied version on one replica; 0 when the database or the migrations table does not exist yet. */
export async function replicaVersion(sql: SqlRunner, database: string): Promise<number> {
  try {
    return await appliedVersion(sql, database);
  } catch (err) {
    if (/UNKNOWN_DATABASE|UNKNOWN_TABLE|does not exist/i.test((err as Error).message)) return 0;
    throw err;
  }
}

/** Runs `fn` on one replica; an error names the replica it happened on. */
export async function withConnection<T>(
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
