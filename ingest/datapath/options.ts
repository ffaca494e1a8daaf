// What createDataPath is given: the data-path sections of the validated ingest configuration and the
// options of one data path (registry, clock, a store to use, migrations, where errors and notices go).
// Apart from datapath.ts so the pipeline it builds can name them without importing its builder.
import type { Registry } from 'prom-client';
import type { Batching, Spool as SpoolConfig, Store as StoreConfig } from '../../common/config/datapath.ts';
import type { Retention, RollupRules } from '../../schema/index.ts';
import type { Store } from '../../store/index.ts';
import type { Clock } from './clock.ts';
import type { BatchConsumer } from './contract.ts';

/**
 * The data-path sections of the ingest configuration as the one loader returns them (ingest/config.ts:
 * validated, every default applied). Nothing here applies defaults again.
 */
export interface DataPathConfig {
  readonly store: StoreConfig;
  readonly spool: SpoolConfig;
  readonly batching: Batching;
  readonly retention: Retention;
  /** What the configurable rollups count; written with the schema (embedded store). */
  readonly rollups?: RollupRules;
}

export interface DataPathOptions {
  readonly registry?: Registry;
  readonly clock?: Clock;
  /** Use this store instead of creating one from the config (tests, shared stores). */
  readonly store?: Store;
  /** Apply the schema migrations at start. Default: yes for the embedded store (the operator does it on a cluster). */
  readonly migrate?: boolean;
  readonly onError?: (err: unknown) => void;
  /**
   * Told, in a sentence, what start and stop did to the user's data: migrations applied, rows a previous
   * run left in the spool, and whether a stop stored every acknowledged row or left some for the next start.
   */
  readonly onNotice?: (msg: string) => void;
  /** Offered every batch before it is delivered (the destinations stage). */
  readonly consumer?: BatchConsumer;
}
