// The contracts between the HTTP layer, the data path and the stores. Small on purpose: the API only
// appends rows and reads; the data path owns durability, batching, retries and delivery.

/** One row for one table: column name → JSON-serialisable value. Validated before it is queued. */
export type Row = Record<string, unknown>;

/** A ClickHouse store: the embedded chdb engine or a server reached by @clickhouse/client. */
export interface Store {
  readonly kind: 'embedded' | 'clickhouse';
  /** Insert rows; the same dedupToken for the same rows never creates a second copy. */
  insert(table: string, rows: readonly Row[], opts: { dedupToken: string }): Promise<void>;
  /**
   * Insert rows already serialised as JSONEachRow lines (what the spool holds), so a flush does not
   * parse and re-serialise them. Same dedup semantics as insert.
   */
  insertJsonLines(table: string, lines: Buffer, opts: { dedupToken: string }): Promise<void>;
  /** Run a SELECT (or any statement returning rows) and return rows as objects. */
  query<T = Row>(sql: string, params?: Record<string, unknown>): Promise<T[]>;
  /** Run a statement that returns nothing (DDL, ALTER ... DELETE, etc.). */
  command(sql: string, params?: Record<string, unknown>): Promise<void>;
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

/** What the API layer writes through. */
export interface DataPath {
  /**
   * Validate and durably append rows. Resolves only once the rows are durable (spooled with fsync or
   * inserted). Rejects with a coded error: ROW_INVALID (400, nothing queued) or OVERLOADED (503 + Retry-After).
   */
  append(table: string, rows: readonly Row[]): Promise<void>;
  /** Reads go straight to the store (e.g. latest consent, short links). */
  readonly store: Store;
  /**
   * Resolves once the rows of `table` that were in the spool when the data path opened (left by a
   * previous run) are in the store: from then on the store holds everything acknowledged before.
   */
  recovered(table: string): Promise<void>;
  /** Snapshot for /status and /ready. */
  status(): DataPathStatus;
  /** Stop accepting, drain queues and spool within the deadline, close the store. */
  close(deadlineMs: number): Promise<void>;
}

export interface DataPathStatus {
  readonly ready: boolean;
  readonly draining: boolean;
  readonly breaker: 'closed' | 'open' | 'half-open';
  readonly spoolBytes: number;
  readonly queues: Record<string, { rows: number; bytes: number }>;
  readonly deadLetters: number;
}

/** Limits of one batch cut from a table log. */
export interface TakeLimits {
  readonly maxRows: number;
  readonly maxBytes: number;
}

/** A batch cut from the spool: a contiguous range of one table's log with a deterministic token. */
export interface SpoolBatch {
  readonly table: string;
  /** insert_deduplication_token: the same range always gets the same token, across restarts. */
  readonly token: string;
  readonly from: number;
  readonly to: number;
  readonly rows: number;
  /** JSONEachRow lines, one per row. */
  readonly lines: Buffer;
}

/**
 * One table's durable log. The disk spool implements it with a write-ahead log; a NATS JetStream
 * spool (cluster mode) can implement it with a stream per table: append = publish + PubAck,
 * take = fetch a range (its boundary recorded before delivery), commit = ack up to `to`.
 */
export interface TableLog {
  readonly table: string;
  /** Resolves once the rows are durable; rejects with OVERLOADED when full or unwritable. */
  append(lines: Buffer, rows: number): Promise<void>;
  readonly pending: { rows: number; bytes: number; oldestAt: number | undefined };
  /** Cuts the next batch from the head (replaying a pre-crash boundary first), or undefined if empty. */
  take(limits: TakeLimits): Promise<SpoolBatch | undefined>;
  /** The batch is in the store: it will not be delivered again; its space can be reclaimed. */
  commit(batch: SpoolBatch): Promise<void>;
}

export interface Spool {
  readonly kind: 'disk' | 'nats';
  /** The log of a table, created on first use. */
  log(table: string): Promise<TableLog>;
  /** Tables with a log, including those recovered at start (they may hold undelivered rows). */
  tables(): string[];
  /** Bytes held on disk (or in the stream). */
  readonly bytes: number;
  /** Whether appends can currently succeed (a JetStream spool is not while NATS is unreachable): /ready. */
  usable(): boolean;
  close(): Promise<void>;
}
