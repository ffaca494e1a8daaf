// On a clickhouse store the ingest applies no schema (the operator does, or `tracker migrate`: the
// rendered store.schemaOwner says which, and the remedy follows it): started
// against a server nobody migrated, it acknowledged events into its spool and every insert failed on a
// table that does not exist, with nothing saying how to create them. The start now says so in one line
// naming the remedy, and /status shows the schema's version beside the one this ingest needs until the
// schema is there. Events keep being spooled meanwhile; they are stored once the tables exist.
import { Gauge, type Registry } from 'prom-client';
import type { SchemaOwner } from '../common/config/datapath.ts';
import { type SchemaState, schemaState } from '../schema/index.ts';
import type { SqlRunner } from '../store/index.ts';
import type { Config } from './config.ts';

/** What /status says about the schema of a clickhouse store. */
export interface SchemaStatus extends SchemaState {
  /** Whether every migration this ingest carries is recorded there. */
  readonly current: boolean;
  /** What to run, while it is not current. */
  readonly remedy?: string;
}

// Under the operator, `tracker migrate` was the wrong advice: the operator applies the schema at its gate
// (an ingest image newer than the operator's migrations waits there), and its condition says why not.
const REMEDIES: Record<SchemaOwner, string> = {
  migrate:
    'run `tracker migrate` with this configuration (the ingest image carries it; on Kubernetes without the operator: `tracker render --with-schema-job`)',
  operator:
    "the Tracker operator applies this schema: see its SchemaReady condition (`kubectl get tc -o wide`, `kubectl describe tc`); when spec.ingest.image is newer than the operator's migrations, upgrade the operator",
};

/** What to do about a schema missing or behind, by who applies it (store.schemaOwner; absent: migrate). */
export function schemaRemedy(owner: SchemaOwner | undefined): string {
  return REMEDIES[owner ?? 'migrate'];
}

/** The line the start logs when the schema is missing or behind; undefined when it is current. */
export function schemaLine(state: SchemaState, database: string, remedy: string): string | undefined {
  if (state.version >= state.latest) return undefined;
  const what =
    state.version === 0
      ? `database ${database} has no tracker schema (no recorded migrations)`
      : `the schema of database ${database} is at version ${state.version}, this ingest needs ${state.latest}`;
  return `store: ${what}: inserts fail until it is applied, and events stay in the spool meanwhile (nothing is lost); ${remedy}`;
}

export function schemaStatus(state: SchemaState, remedy: string): SchemaStatus {
  const current = state.version >= state.latest;
  return { ...state, current, ...(current ? {} : { remedy }) };
}

/**
 * The schema's state for /status: read again on each ask until it is current (someone runs tracker
 * migrate while the ingest runs), then kept; null until it could be read (the store not answering).
 */
export class SchemaWatch {
  readonly #sql: SqlRunner;
  readonly #database: string;
  /** What /status and the start's line advise while the schema is not current. */
  readonly remedy: string;
  #known: SchemaStatus | null = null;
  /** The read under way: scrapes and /status asking meanwhile wait for it instead of reading again. */
  #reading: Promise<SchemaState> | undefined;

  constructor(sql: SqlRunner, database: string, remedy: string) {
    this.#sql = sql;
    this.#database = database;
    this.remedy = remedy;
  }

  /** Reads the state (unless already current); throws what the store threw. */
  read(): Promise<SchemaState> {
    this.#reading ??= schemaState(this.#sql, this.#database)
      .then((state) => {
        this.#known = schemaStatus(state, this.remedy);
        return state;
      })
      .finally(() => {
        this.#reading = undefined;
      });
    return this.#reading;
  }

  async status(): Promise<SchemaStatus | null> {
    if (this.#known?.current) return this.#known;
    await this.read().catch(() => {});
    return this.#known;
  }

  /** The state last read, without asking the store (null until it could be read). */
  get known(): SchemaStatus | null {
    return this.#known;
  }
}

/**
 * tracker_store_schema_behind: the migrations this ingest carries that the store has not recorded, so an
 * alert can say the schema is missing or behind (/status said it, Prometheus could not). A scrape reports
 * the state last read and asks the store again for the next one, never waiting for it: a store that does
 * not answer must not fail the scrape of every other metric. 0 on the embedded store, which the ingest
 * migrates itself; absent while a clickhouse store's schema could not be read yet.
 */
export function schemaGauge(registry: Registry, watch: SchemaWatch | undefined): void {
  new Gauge({
    name: 'tracker_store_schema_behind',
    help: 'Migrations this ingest carries that the store has not recorded (0: the schema is current).',
    registers: [registry],
    collect() {
      this.reset();
      if (watch === undefined) {
        this.set(0);
        return;
      }
      const known = watch.known;
      if (!known?.current) void watch.status();
      if (known !== null) this.set(Math.max(0, known.latest - known.version));
    },
  });
}

/** The watch for a clickhouse store (the embedded store is migrated by the ingest itself). */
export function watchSchema(config: Config, sql: SqlRunner): SchemaWatch | undefined {
  if (config.store.kind !== 'clickhouse') return undefined;
  return new SchemaWatch(sql, config.store.database, schemaRemedy(config.store.schemaOwner));
}
