// Per-table batching defaults, after the Go tracker's per-table table (so migrating users see the same
// timing), overridable per table by configuration and the TrackerCluster spec. Deviations are marked.
import type { BatchStrategy, TableBatching } from '../../../common/config/datapath.ts';

export interface TableSettings {
  readonly strategy: BatchStrategy;
  readonly maxRows: number;
  readonly maxDelayMs: number;
  readonly maxBytes: number;
  /** 1 flushes first when flushes compete for a slot. */
  readonly priority: number;
  /** Fast retries (exponential, jittered from backoffMs) before a failing batch waits the maximum. */
  readonly retries: number;
  readonly backoffMs: number;
}

const MB = 1024 * 1024;
const hybrid = (maxRows: number, s: number, mb: number, priority: number, retries = 3, backoffMs = 100) =>
  ({
    strategy: 'hybrid',
    maxRows,
    maxDelayMs: s * 1000,
    maxBytes: mb * MB,
    priority,
    retries,
    backoffMs,
  }) as const;
const immediate = (retries: number, backoffMs: number) =>
  ({
    strategy: 'immediate',
    maxRows: 1000,
    maxDelayMs: 0,
    maxBytes: 8 * MB,
    priority: 1,
    retries,
    backoffMs,
  }) as const;

export const DEFAULT_SETTINGS: TableSettings = hybrid(1000, 5, 8, 4);

export const TABLE_DEFAULTS: Readonly<Record<string, TableSettings>> = {
  // Deviation: 50,000 rows / 32 MiB instead of 100,000 / 100 MiB. On the embedded engine an insert's
  // peak memory grows with its rows (the row block plus eight materialized views aggregating it), and a
  // 100,000-row insert held the ingest above 1.1 GB; half the rows cost no measurable throughput.
  events: hybrid(50_000, 10, 32, 2),
  mthreads: { ...hybrid(10_000, 5, 5, 2, 3, 200), strategy: 'time' },
  mstore: hybrid(500, 3, 8, 4, 2, 150),
  mtriage: hybrid(50, 2, 2, 1, 5, 50),
  payments: immediate(5, 100),
  ltv: immediate(5, 50),
  agreed: hybrid(100, 3, 2, 3),
  // Deviation: batched for 2 s, a new short link would answer 404 until its batch flushed; it must resolve at once.
  redirects: immediate(3, 100),
  redirect_history: hybrid(500, 5, 5, 4, 2, 150),
  counters: hybrid(300, 3, 3, 3),
  updates: hybrid(200, 4, 3, 4, 3, 150),
  logs: hybrid(1000, 5, 8, 4, 2, 200),
  hosts: hybrid(200, 5, 3, 4, 3, 150),
  outcomes: hybrid(300, 3, 4, 2),
  // Not in the Go tracker's table; administrative writes that readers expect to see at once.
  orgs: immediate(3, 100),
  accounts: immediate(3, 100),
  api_keys: immediate(3, 100),
  erasures: immediate(3, 100),
  jurisdictions: immediate(3, 100),
};

/** Effective settings of a table: its built-in default, then the configured override field by field. */
export function resolveSettings(table: string, override: TableBatching | undefined): TableSettings {
  const base = TABLE_DEFAULTS[table] ?? DEFAULT_SETTINGS;
  const defined = Object.fromEntries(Object.entries(override ?? {}).filter(([, v]) => v !== undefined));
  return { ...base, ...defined };
}
