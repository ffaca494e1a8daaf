// Prometheus metrics of the data path, registered in the registry the ingest exposes on /metrics.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { StoreRefusal } from '../../store/index.ts';
import { Tally } from '../tally.ts';

export type Metrics = ReturnType<typeof createMetrics>;

export interface MetricSources {
  queues(): Record<string, { rows: number; bytes: number }>;
  spoolBytes(): number;
  /** The configured spool limit (spool.maxBytes): appends above it are refused with 503. */
  spoolMaxBytes(): number;
  memoryBytes(): number;
  breakerState(): 'closed' | 'open' | 'half-open';
  /** Why the store refused the latest failed insert, until one is stored again (/status storeRefused). */
  storeRefused(): StoreRefusal | undefined;
}

const REFUSALS: readonly StoreRefusal[] = ['credentials', 'permissions', 'schema'];

const BREAKER_VALUE = { closed: 0, 'half-open': 1, open: 2 } as const;

export function createMetrics(registry: Registry = new Registry()) {
  const registers = [registry];
  let sources: MetricSources | undefined;
  const metrics = {
    registry,
    appendedRows: new Tally({
      name: 'tracker_datapath_appended_rows_total',
      help: 'Rows accepted (durably spooled) per table.',
      labelNames: ['table'],
      registers,
    }),
    rejected: new Counter({
      name: 'tracker_datapath_rejected_total',
      help: 'Appends refused, by error code.',
      labelNames: ['code'],
      registers,
    }),
    batchRows: new Histogram({
      name: 'tracker_datapath_batch_rows',
      help: 'Rows per delivered batch.',
      labelNames: ['table'],
      buckets: [1, 10, 100, 1_000, 10_000, 100_000],
      registers,
    }),
    flushSeconds: new Histogram({
      name: 'tracker_datapath_flush_seconds',
      help: 'Time to deliver one batch, retries included.',
      labelNames: ['table'],
      buckets: [0.001, 0.005, 0.02, 0.1, 0.5, 2, 10, 60],
      registers,
    }),
    deadLetters: new Counter({
      name: 'tracker_datapath_dead_letters_total',
      help: 'Rows the store refused, written to the dead-letter file.',
      labelNames: ['table'],
      registers,
    }),
    storeErrors: new Counter({
      name: 'tracker_datapath_store_errors_total',
      help: 'Failed (retried) store inserts.',
      labelNames: ['table'],
      registers,
    }),
    spoolSyncSeconds: new Histogram({
      name: 'tracker_datapath_spool_sync_seconds',
      help: 'fdatasync of one group of disk spool records: what every acknowledgement waits for.',
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers,
    }),
    breakerTransitions: new Counter({
      name: 'tracker_datapath_breaker_transitions_total',
      help: 'Circuit breaker state changes, by new state.',
      labelNames: ['state'],
      registers,
    }),
    bind(s: MetricSources): void {
      sources = s;
    },
  };
  new Gauge({
    name: 'tracker_datapath_queue_rows',
    help: 'Rows waiting for delivery per table.',
    labelNames: ['table'],
    registers,
    collect() {
      this.reset();
      for (const [table, q] of Object.entries(sources?.queues() ?? {})) this.set({ table }, q.rows);
    },
  });
  new Gauge({
    name: 'tracker_datapath_queue_bytes',
    help: 'Bytes waiting for delivery per table.',
    labelNames: ['table'],
    registers,
    collect() {
      this.reset();
      for (const [table, q] of Object.entries(sources?.queues() ?? {})) this.set({ table }, q.bytes);
    },
  });
  new Gauge({
    name: 'tracker_datapath_spool_bytes',
    help: 'Bytes of records held by the spool on disk (preallocated segment space not counted).',
    registers,
    collect() {
      this.set(sources?.spoolBytes() ?? 0);
    },
  });
  // Exported so that an alert can say how FULL the spool is (bytes / max bytes): a byte threshold in the
  // alert would have to be kept in step with each ingest's spool.maxBytes by hand.
  new Gauge({
    name: 'tracker_datapath_spool_max_bytes',
    help: 'The spool limit (spool.maxBytes): above it appends are refused with 503.',
    registers,
    collect() {
      this.set(sources?.spoolMaxBytes() ?? 0);
    },
  });
  new Gauge({
    name: 'tracker_datapath_memory_bytes',
    help: 'Bytes of pending rows cached in memory.',
    registers,
    collect() {
      this.set(sources?.memoryBytes() ?? 0);
    },
  });
  new Gauge({
    name: 'tracker_datapath_breaker_state',
    help: 'Circuit breaker: 0 closed, 1 half-open, 2 open.',
    registers,
    collect() {
      this.set(BREAKER_VALUE[sources?.breakerState() ?? 'closed']);
    },
  });
  // Every refusal at 0 unless it is the current one: an alert on the gauge then reads which, and a
  // misconfigured store is told from one that is down (the breaker, the spool filling) without a log.
  new Gauge({
    name: 'tracker_datapath_store_refused',
    help: "1 while the store refuses the ingest's inserts for this reason (credentials, permissions, schema), else 0; the rows stay in the spool.",
    labelNames: ['refusal'],
    registers,
    collect() {
      const current = sources?.storeRefused();
      for (const refusal of REFUSALS) this.set({ refusal }, refusal === current ? 1 : 0);
    },
  });
  return metrics;
}
