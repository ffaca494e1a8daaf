// The contracts between the HTTP layer, the data path and the spools. Small on purpose: the API only
// appends rows and reads; the data path owns durability, batching, retries and delivery. The store it
// delivers to is the shared `store/` package.
import type { BodyBuffers, Row, Store, StoreRefusal } from '../../store/index.ts';

/** What the API layer writes through. */
export interface DataPath {
  /**
   * Validate and durably append rows. Resolves only once the rows are durable (spooled with fsync or
   * inserted). Rejects with a coded error: INVALID_EVENT (400, nothing queued) or OVERLOADED (503 + Retry-After).
   */
  append(table: string, rows: readonly Row[]): Promise<void>;
  /** Reads go straight to the store (e.g. latest consent, short links). */
  readonly store: Store;
  /**
   * Resolves once the rows of `table` that were in the spool when the data path opened (left by a
   * previous run) are in the store: from then on the store holds everything acknowledged before.
   */
  recovered(table: string): Promise<void>;
  /**
   * Resolves once every row of `tables` acknowledged before the call is in the store (delivered, or set
   * aside as a dead letter): an erasure waits for it, or rows still in the spool would land after it. The
   * rows it waits for are flushed at once, whatever the tables' batching strategies.
   * Whose rows: on the JetStream spool, those ANY instance sharing the stream acknowledged (this one
   * delivers them if the others have not); on the disk spool, this instance's only (another replica's rows
   * are in its own spool, out of reach: the erasure's second pass is for them). `tables` defaults to the
   * tables this instance has a log of; name the tables to be sure of those another instance wrote.
   * Waits as long as the store or NATS is unreachable; rejects NOT_READY once the data path drains.
   */
  settled(tables?: readonly string[]): Promise<void>;
  /**
   * Rewrites this instance's dead-letter file (spool.deadLetterFile) without the refused rows `matches`
   * names (each row as spooled, parsed): an erase request's. Resolves with how many went; rejects when
   * the file cannot be rewritten (it is then left whole).
   */
  eraseDeadLetters(matches: (row: unknown) => boolean): Promise<number>;
  /** Snapshot for /status and /ready. */
  status(): DataPathStatus;
  /** Stop accepting, drain queues and spool within the deadline, close the store. */
  close(deadlineMs: number): Promise<void>;
}

export interface DataPathStatus {
  readonly ready: boolean;
  /** Why it is not ready (draining, or the spool refuses appends: Spool.refusal), when it is not. */
  readonly reason?: string;
  readonly draining: boolean;
  readonly breaker: 'closed' | 'open' | 'half-open';
  /**
   * Why the store refuses the ingest's inserts, when its latest failed insert said so: `credentials`,
   * `permissions` or `schema` (store/errors.ts StoreRefusal). Events are still taken into the spool, so
   * the process stays ready; only an operator ends it.
   */
  readonly storeRefused?: StoreRefusal;
  /**
   * The disk spool's bytes on disk. On the JetStream spool, the bytes of the rows this process appended or
   * recovered and has not delivered: the stream's size (other replicas' rows too) is NATS's to tell.
   */
  readonly spoolBytes: number;
  /** Which spool, and on JetStream whether this process's connection to it is up (appends then 503). */
  readonly spool: SpoolState;
  readonly queues: Record<string, { rows: number; bytes: number }>;
  readonly deadLetters: number;
}

export type SpoolState = { readonly kind: 'disk' } | { readonly kind: 'nats'; readonly connected: boolean };

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
  /**
   * The JSONEachRow lines, one per row, in pieces of whole lines, read anew on every call: from memory
   * where the spool still holds them, otherwise from its files a bounded chunk at a time, so a batch being
   * sent (up to its maxBytes) is never held in memory whole. The same range yields the same bytes. What
   * is read from files is read into `buffers` where they are given (the store's, reused send after send).
   */
  pieces(buffers?: BodyBuffers): AsyncIterable<Buffer>;
  /** The same lines joined into one buffer (for readers that parse the whole batch). */
  lines(): Promise<Buffer>;
}

/**
 * One table's durable log. The disk spool implements it with a write-ahead log; a NATS JetStream
 * spool (cluster mode) can implement it with a stream per table: append = publish + PubAck,
 * take = fetch a range (its boundary recorded before delivery), commit = ack up to `to`.
 */
export interface TableLog {
  readonly table: string;
  /**
   * Resolves once the rows are durable; rejects with OVERLOADED when full or unwritable. `lines` is lent:
   * the caller writes other rows into its memory once this has settled, so a log reads it only until
   * then and copies what it keeps longer (the data path lends it from reused slabs, ADR 0054).
   */
  append(lines: Buffer, rows: number): Promise<void>;
  readonly pending: { rows: number; bytes: number; oldestAt: number | undefined };
  /**
   * Resolves once every row the log held when it was opened (left by an earlier run) is in the store:
   * a batch through the last of them was committed (on a log shared by instances, by any of them).
   * A position, not a count of delivered rows: a batch can be delivered twice (replayed after a failed
   * commit), and one append can hold many rows.
   */
  readonly recovered: Promise<void>;
  /**
   * On a log that other instances append to too (the JetStream spool's stream): counts what they have
   * acknowledged so far as pending here, so that this instance's next takes cut it (settled()). Logs only
   * this process writes do not have it.
   */
  adoptShared?(): Promise<void>;
  /** Cuts the next batch from the head (replaying a pre-crash boundary first), or undefined if empty. */
  take(limits: TakeLimits): Promise<SpoolBatch | undefined>;
  /** The batch is in the store: it will not be delivered again; its space can be reclaimed. */
  commit(batch: SpoolBatch): Promise<void>;
}

/** A batch as a consumer sees it: `source` names the log its range belongs to (ranges of one source never repeat). */
export interface ConsumedBatch extends SpoolBatch {
  readonly source: string;
}

/**
 * Reads every batch taken from the spool once its boundary is durable, before it is delivered to the
 * store: what is fed from here was acknowledged, and is fed again if a crash replays the batch (same
 * source and range). The store delivery waits for it, so it must return soon and never throw.
 */
export interface BatchConsumer {
  consume(batch: ConsumedBatch): Promise<void>;
}

export interface Spool {
  readonly kind: 'disk' | 'nats';
  /** The log of a table, created on first use. */
  log(table: string): Promise<TableLog>;
  /** Tables with a log, including those recovered at start (they may hold undelivered rows). */
  tables(): string[];
  /** Bytes held on disk (or in the stream). */
  readonly bytes: number;
  /**
   * Why appends are refused right now, or undefined when they can succeed: a JetStream spool while NATS is
   * unreachable, a disk spool while it is full or unwritable. /ready answers 503 with it.
   */
  refusal(): string | undefined;
  close(): Promise<void>;
}
