// The schema on every replica: hosts that lack tables their migration record says they have are brought up
// from a host that has them (host-schema.ts), then migrations not yet recorded run (cluster mode: once,
// ON CLUSTER, on the first replica; per-replica mode: the single-node rendering on each replica behind),
// then every host is verified: its record at the latest version AND every object of that version in its
// system.tables. Copying comes first because an ON CLUSTER ALTER fails on a host that lacks the table.
// Once every replica is current, the settings that change without a migration follow the spec there: the
// rollup rules, and each table's TTL (a retention changed after the tables were created: schema/retain.ts).
// Every table exists and takes inserts whatever its rules and TTL, so a rollup-rule write or a TTL change
// that fails does not fail the pass: the report says what changed and what failed (settingsError), and the
// schema step keeps its gate open and retries. A failed migration or table copy still fails it.
import { clickhouseClusterName } from '../cdk8s/index.ts';
import type { TrackerCluster } from '../crds/trackercluster.ts';
import {
  applyMigrations,
  ensureRollupSettings,
  planRetention,
  type RetentionChange,
  RetentionError,
  type RetentionStep,
  runRetention,
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

/** A TTL change this pass made, and the hosts whose table it changed (hosts may have kept different TTLs). */
export type AppliedRetention = RetentionChange & { readonly hosts: readonly string[] };

export type SchemaReport = {
  readonly hosts: ReadonlyMap<string, HostReport>;
  /** The copies made in this pass (an Event each). */
  readonly copies: readonly Copy[];
  /** The tables whose TTL this pass changed to the spec's retention (an Event), also when a later one failed. */
  readonly retention: readonly AppliedRetention[];
  /**
   * Why the rollup rules or some table's TTL could not be made the spec's (each host's failure, named by
   * host); absent when all match.
   */
  readonly settingsError?: string;
};

export const isCurrent = (report: HostReport | undefined, latest: number): boolean =>
  report !== undefined && report.version >= latest && report.missing.length === 0;

/**
 * Bring every replica to the latest schema and report what each holds; once every replica is current,
 * make the rollup rules and each table's TTL there match spec.schema. A steady pass reads two things per
 * replica (its tables with their TTLs, its record), the rules once per writer (cluster: the first replica;
 * per-replica: each), and writes nothing.
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
  if (!current) return { hosts, copies, retention: [] };
  const rollupErrors = await writeRollups(access, target.password, writers, settings);
  const plans = target.replicas.map((r) => ({
    host: r,
    steps: planRetention(states.get(r.host)?.stored ?? [], settings),
  }));
  const outcome = cluster
    ? await retainOnCluster(access, target.password, plans)
    : await retainEach(access, target.password, plans);
  const errors = [...rollupErrors, ...(outcome.settingsError === undefined ? [] : [outcome.settingsError])];
  return { hosts, copies, ...outcome, ...(errors.length === 0 ? {} : { settingsError: errors.join('; ') }) };
}

/**
 * The rollup rules on each writer; a writer that fails does not stop the others or the TTL changes, and
 * its failure is answered (named by host) instead of failing the pass.
 */
async function writeRollups(
  access: ClickHouseAccess,
  password: string,
  writers: readonly Replica[],
  settings: Settings,
): Promise<string[]> {
  const errors: string[] = [];
  for (const writer of writers) {
    await access
      .use(writer, password, (sql) => ensureRollupSettings(sql, settings.database, settings.rollups))
      .catch((err: unknown) =>
        errors.push(`write rollup rules on ${writer.host}: ${(err as Error).message}`),
      );
  }
  return errors;
}

/** Each host's TTL plan (from the tables it showed this pass). */
type HostPlan = { readonly host: Replica; readonly steps: readonly RetentionStep[] };

type RetentionOutcome = Pick<SchemaReport, 'retention' | 'settingsError'>;

/**
 * Per-replica mode: each replica holds its own tables, so each runs its own plan. A replica that fails
 * does not stop the others, and what it changed before failing is reported with theirs.
 */
async function retainEach(
  access: ClickHouseAccess,
  password: string,
  plans: readonly HostPlan[],
): Promise<RetentionOutcome> {
  const applied = new Applied();
  const errors: string[] = [];
  for (const { host, steps } of plans) {
    if (steps.length === 0) continue;
    const run = await retainOn(access, host, password, steps);
    applied.add(host.host, run.changes);
    if (run.error) errors.push(run.error);
  }
  return applied.outcome(errors);
}

/**
 * Cluster mode: the TTLs are read on every host (one whose table missed an earlier ON CLUSTER ALTER, or
 * was changed by hand, differs from the first replica), and a table that differs on any host gets its
 * ALTER ON CLUSTER from the first replica, as the migrations do: the distributed DDL queue reaches every
 * host, and a host that already matched keeps the same TTL.
 */
async function retainOnCluster(
  access: ClickHouseAccess,
  password: string,
  plans: readonly HostPlan[],
): Promise<RetentionOutcome> {
  const byTable = new Map<string, RetentionStep>();
  for (const step of plans.flatMap((p) => p.steps)) byTable.set(step.table, step);
  const first = plans[0]?.host;
  if (!first || byTable.size === 0) return { retention: [] };
  const steps = [...byTable.values()].sort((a, b) => a.table.localeCompare(b.table));
  const run = await retainOn(access, first, password, steps);
  const done = new Set(run.changes.map((c) => c.table));
  const applied = new Applied();
  for (const { host, steps: differing } of plans) {
    applied.add(
      host.host,
      differing.filter((s) => done.has(s.table)).map(({ statement: _, ...c }) => c),
    );
  }
  return applied.outcome(run.error ? [run.error] : []);
}

/** Runs a plan on one host: the changes made, and the failure that stopped it (named by host). */
async function retainOn(
  access: ClickHouseAccess,
  host: Replica,
  password: string,
  steps: readonly RetentionStep[],
): Promise<{ changes: readonly RetentionChange[]; error?: string }> {
  let changes: readonly RetentionChange[] = [];
  try {
    changes = await access.use(host, password, async (sql) => {
      try {
        return await runRetention(sql, steps);
      } catch (err) {
        // The changes before the failed statement hold: keep them to report.
        if (err instanceof RetentionError) changes = err.applied;
        throw err;
      }
    });
    return { changes };
  } catch (err) {
    return { changes, error: `apply retention on ${host.host}: ${(err as Error).message}` };
  }
}

/** The changes made, grouped by table and days, with the hosts each was made on. */
class Applied {
  readonly #groups = new Map<string, { change: RetentionChange; hosts: string[] }>();

  add(host: string, changes: readonly RetentionChange[]): void {
    for (const change of changes) {
      const key = `${change.table}:${change.from}:${change.to}`;
      const group = this.#groups.get(key) ?? { change, hosts: [] };
      group.hosts.push(host);
      this.#groups.set(key, group);
    }
  }

  outcome(errors: readonly string[]): RetentionOutcome {
    const retention = [...this.#groups.values()].map(({ change, hosts }) => ({ ...change, hosts }));
    return errors.length === 0 ? { retention } : { retention, settingsError: errors.join('; ') };
  }
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
