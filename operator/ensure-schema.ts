// The schema on every replica: hosts that lack tables their migration record says they have are brought up
// from a host that has them (host-schema.ts), then migrations not yet recorded run (cluster mode: once,
// ON CLUSTER, on the first replica; per-replica mode: the single-node rendering on each replica behind),
// then every host is verified: its record at the latest version AND every object of that version in its
// system.tables. Copying comes first because an ON CLUSTER ALTER fails on a host that lacks the table.
// Once every replica is current, the settings that change without a migration follow the spec there: the
// rollup rules, and each table's TTL (a retention changed after the tables were created: schema/retain.ts).
import { clickhouseClusterName } from '../cdk8s/index.ts';
import type { TrackerCluster } from '../crds/trackercluster.ts';
import {
  applyMigrations,
  applyRetention,
  ensureRollupSettings,
  type RetentionChange,
  type SchemaObject,
  schemaObjects,
} from '../schema/index.ts';
import {
  type ClickHouseAccess,
  latestSchemaVersion,
  migrations,
  type Replica,
  withConnection,
} from './clickhouse.ts';
import {
  type Copy,
  copyTables,
  type HostSchema,
  missingOn,
  planCopies,
  readDefinitions,
  readHostSchema,
} from './host-schema.ts';

/** What the schema is rendered and kept with: spec.schema, and the cluster in `cluster` schema mode. */
type Settings = Pick<TrackerCluster['spec']['schema'], 'database' | 'retention' | 'rollups'> & {
  readonly cluster?: string;
};

export type SchemaTarget = { tc: TrackerCluster; replicas: Replica[]; password: string };

/** What one host holds of the latest schema. */
export type HostReport = {
  readonly version: number;
  /** Objects of the latest version the host does not hold. */
  readonly missing: readonly string[];
};

export type SchemaReport = {
  readonly hosts: ReadonlyMap<string, HostReport>;
  /** The copies made in this pass (an Event each). */
  readonly copies: readonly Copy[];
  /** The tables whose TTL this pass changed to the spec's retention (an Event). */
  readonly retention: readonly RetentionChange[];
};

export const isCurrent = (report: HostReport | undefined, latest: number): boolean =>
  report !== undefined && report.version >= latest && report.missing.length === 0;

/**
 * Bring every replica to the latest schema and report what each holds; once every replica is current,
 * make the rollup rules and each table's TTL there match spec.schema (one read each when they do). A
 * steady pass reads two things per replica (its tables, its record), the rules and the TTLs once per
 * writer (cluster: the first replica; per-replica: each), and writes nothing.
 */
export async function ensureSchema(access: ClickHouseAccess, target: SchemaTarget): Promise<SchemaReport> {
  const { database, retention, rollups } = target.tc.spec.schema;
  const cluster = access.schemaMode === 'cluster' ? clickhouseClusterName : undefined;
  const settings: Settings = { database, retention, rollups, ...(cluster ? { cluster } : {}) };
  const expected = expectedObjects(cluster);
  const latest = latestSchemaVersion();
  let states = await readStates(access, target);
  const copies = planCopies({ replicas: target.replicas, states, expected, sharedRecord: !!cluster });
  await copyAll(access, target, copies, states, expected);
  if (copies.length > 0) states = await readStates(access, target);
  const behind = target.replicas.filter((r) => (states.get(r.host)?.version ?? 0) < latest);
  // The rendering the replicas hold decides who stores the rules: one replicated table, or one per replica.
  const writers = cluster ? target.replicas.slice(0, 1) : target.replicas;
  const runOn = behind.length === 0 ? [] : cluster ? writers : behind;
  for (const replica of runOn) {
    await withConnection(access, replica, target.password, async (sql) => {
      try {
        await applyMigrations(sql, settings);
      } catch (err) {
        throw new Error(`apply schema on ${replica.host}: ${(err as Error).message}`, { cause: err });
      }
    });
  }
  if (behind.length > 0) states = await readStates(access, target);
  const hosts = new Map(
    target.replicas.map((r) => {
      const state = states.get(r.host);
      return [r.host, { version: state?.version ?? 0, missing: missingOn(state, expected(latest)) }];
    }),
  );
  const current = target.replicas.every((r) => isCurrent(hosts.get(r.host), latest));
  const changes = current ? await ensureSettings(access, target.password, writers, settings) : [];
  return { hosts, copies, retention: changes };
}

/**
 * The rollup rules and the tables' TTLs on each writer, as the spec says; the TTL changes made. A cluster
 * has one writer (its ALTERs run ON CLUSTER); in per-replica mode every replica holds its own tables.
 */
async function ensureSettings(
  access: ClickHouseAccess,
  password: string,
  writers: readonly Replica[],
  settings: Settings,
): Promise<RetentionChange[]> {
  const byTable = new Map<string, RetentionChange>();
  for (const replica of writers) {
    await withConnection(access, replica, password, async (sql) => {
      await ensureRollupSettings(sql, settings.database, settings.rollups);
      try {
        for (const change of await applyRetention(sql, settings)) byTable.set(change.table, change);
      } catch (err) {
        throw new Error(`apply retention on ${replica.host}: ${(err as Error).message}`, { cause: err });
      }
    });
  }
  return [...byTable.values()];
}

/** The objects each version leaves in this rendering, computed once per version and pass. */
function expectedObjects(cluster: string | undefined): (version: number) => readonly SchemaObject[] {
  const byVersion = new Map<number, readonly SchemaObject[]>();
  return (version) => {
    let objects = byVersion.get(version);
    if (!objects) {
      objects = schemaObjects(migrations(), cluster ? { cluster } : {}, version);
      byVersion.set(version, objects);
    }
    return objects;
  };
}

/** Each copy from its source host's definitions, read once per source. */
async function copyAll(
  access: ClickHouseAccess,
  target: SchemaTarget,
  copies: readonly Copy[],
  states: ReadonlyMap<string, HostSchema>,
  expected: (version: number) => readonly SchemaObject[],
): Promise<void> {
  const { database } = target.tc.spec.schema;
  const definitions = new Map<string, Map<string, string>>();
  for (const copy of copies) {
    let source = definitions.get(copy.from.host);
    if (!source) {
      source = await withConnection(access, copy.from, target.password, (sql) =>
        readDefinitions(sql, database),
      );
      definitions.set(copy.from.host, source);
    }
    const present = states.get(copy.host.host)?.tables ?? new Set<string>();
    await copyTables(
      { access, password: target.password, database },
      copy,
      expected(copy.version),
      source,
      present,
    );
  }
}

async function readStates(access: ClickHouseAccess, target: SchemaTarget): Promise<Map<string, HostSchema>> {
  const { database } = target.tc.spec.schema;
  const entries = await Promise.all(
    target.replicas.map(async (r) => {
      const state = await withConnection(access, r, target.password, (sql) => readHostSchema(sql, database));
      return [r.host, state] as const;
    }),
  );
  return new Map(entries);
}
