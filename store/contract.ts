// The store contract: what the data path delivers to, the schema runner migrates and the operator verifies.
// Two implementations (embedded.ts: chdb in process; clickhouse.ts: a server over HTTP), one interface.

/** One row for one table: column name → JSON-serialisable value. Validated before it is queued. */
export type Row = Record<string, unknown>;

/**
 * JSONEachRow lines: one buffer, or pieces of whole lines in order, in memory or read as they are sent
 * (a spooled batch read from disk a chunk at a time): an iterable read once, or a reader called once per
 * send with the buffers the store lends it to read into.
 */
export type JsonLines = Buffer | readonly Buffer[] | AsyncIterable<Buffer> | BodyReader;

/** Reads the lines anew, into buffers of `buffers` where it is given (fresh ones otherwise). */
export type BodyReader = (buffers?: BodyBuffers) => AsyncIterable<Buffer>;

/**
 * Buffers a store lends to the reader of an insert's body, so that a batch read back from disk allocates
 * nothing new: each returns to the store once what it holds has gone (sent on the connection, or written
 * to the embedded engine's insert file). A reader reads into a lent buffer and yields a view of it (it is
 * then the store's), or hands it back unused.
 */
export interface BodyBuffers {
  /** A buffer of at least `bytes`, the reader's until it yields a view of it or gives it back. */
  lend(bytes: number): Buffer;
  /** A lent buffer of which nothing was yielded. */
  giveBack(buffer: Buffer): void;
}

/** A ClickHouse store: the embedded chdb engine or a server reached by @clickhouse/client. */
export interface Store {
  readonly kind: 'embedded' | 'clickhouse';
  /** Insert rows; the same dedupToken for the same rows never creates a second copy. */
  insert(table: string, rows: readonly Row[], opts: { dedupToken: string }): Promise<void>;
  /**
   * Insert rows already serialised as JSONEachRow lines (what the spool holds), so a flush does not
   * parse and re-serialise them: one buffer, or pieces of whole lines in order (sent as they are where
   * the store can stream them; an iterable is read once). Same dedup semantics as insert.
   */
  insertJsonLines(table: string, lines: JsonLines, opts: { dedupToken: string }): Promise<void>;
  /** Run a SELECT (or any statement returning rows) and return rows as objects. */
  query<T = Row>(sql: string, params?: Record<string, unknown>): Promise<T[]>;
  /** Run a statement that returns nothing (DDL, ALTER ... DELETE, etc.). */
  command(sql: string, params?: Record<string, unknown>): Promise<void>;
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

/** The part of a store the schema runner needs: statements and reads, nothing else. */
export type SqlRunner = Pick<Store, 'command' | 'query'>;
