// The read-only connection to the embedded engine: a second chdb connection on the same data directory,
// opened with `readonly=1` and the read limits as its own settings. The engine enforces all of it: a
// write, a DDL statement, a table function (file(), url(), …) or a change of any setting is refused by
// ClickHouse itself ("Cannot execute query in readonly mode", READONLY, 164), whatever the SQL says, and
// the limits cannot be raised from a query. Except what the engine lets through on a read-only connection
// (refused-statements.ts: INTO OUTFILE, DESCRIBE of a table function, KILL), refused here, read from the
// engine's own formatting of the statement. chdb runs each connection's statements one after another, so
// reads here never queue behind the data path's inserts (their own connection) nor hold them up; this
// connection runs one read at a time and refuses more than `maxQueued` waiting.
import type { Session } from 'chdb';
import type { Row } from './contract.ts';
import { engineConfigArg, openEngineSession } from './embedded.ts';
import { OneAtATime } from './one-at-a-time.ts';
import { refusedStatement } from './refused-statements.ts';
import { parseJsonEachRow } from './sql.ts';

export interface ReadLimits {
  /** The engine stops a read after this long (TIMEOUT_EXCEEDED). */
  readonly maxExecutionTimeS: number;
  /** Largest result a read may produce, in the engine's uncompressed block bytes (TOO_MANY_ROWS_OR_BYTES). */
  readonly maxResultBytes: number;
  /** Memory one read may use (MEMORY_LIMIT_EXCEEDED). */
  readonly maxMemoryBytes: number;
  /** Threads one read may use: the rest of the machine stays with the data path. */
  readonly maxThreads: number;
  /** Reads that may wait behind the running one; more are refused (TOO_MANY_SIMULTANEOUS_QUERIES). */
  readonly maxQueued: number;
}

export interface ReaderOptions {
  readonly path: string;
  /** The database unqualified names resolve to when a read names none. */
  readonly database: string;
  readonly limits: ReadLimits;
}

export interface ReadRequest {
  /** Output format when the statement has no FORMAT clause of its own. */
  readonly format: string;
  readonly params?: Readonly<Record<string, unknown>>;
  /** Overrides the default database for this read only. */
  readonly database?: string;
  /** Settings to check against the connection's: the engine accepts one only at its current value. */
  readonly settings?: Readonly<Record<string, string>>;
  /** Reject (TIMEOUT_EXCEEDED) after this long; the engine's own limit still bounds the work. */
  readonly timeoutMs?: number;
}

export interface ReadResult {
  readonly body: Uint8Array;
  readonly rowsRead: number;
  readonly bytesRead: number;
  readonly elapsedS: number;
}

/** A read-only connection to the embedded engine (ClickHouse-coded errors, like the engine's own). */
export interface SqlReader {
  read(sql: string, request: ReadRequest): Promise<ReadResult>;
  /** A read returning rows as objects (what repositories use). */
  query<T = Row>(sql: string, params?: Record<string, unknown>): Promise<T[]>;
  /** The engine's time zone and version, for the HTTP interface's headers. */
  readonly timezone: string;
  readonly version: string;
  close(): Promise<void>;
}

/** An error carrying a ClickHouse code, shaped like the engine's own. */
export class ReaderError extends Error {
  override readonly name = 'ReaderError';
  readonly clickhouseCode: number;
  readonly type: string;

  constructor(clickhouseCode: number, type: string, message: string) {
    super(message);
    this.clickhouseCode = clickhouseCode;
    this.type = type;
  }
}

/** chdb's own failures (a bind error, the client-side deadline) in ClickHouse's terms. */
function rethrow(err: unknown): never {
  const code = (err as { code?: unknown }).code;
  const message = err instanceof Error ? err.message : String(err);
  if (code === 'CHDB_TIMEOUT') throw new ReaderError(159, 'TIMEOUT_EXCEEDED', `Timeout exceeded: ${message}`);
  if (code === 'CHDB_BIND') throw new ReaderError(456, 'UNKNOWN_QUERY_PARAMETER', message);
  throw err;
}

const SETTING_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

const quoteIdentifier = (name: string) => `\`${name.replaceAll('\\', '\\\\').replaceAll('`', '\\`')}\``;

function connectionArgs(limits: ReadLimits): string[] {
  return [
    '--readonly=1',
    `--max_execution_time=${limits.maxExecutionTimeS}`,
    '--timeout_overflow_mode=throw',
    `--max_result_bytes=${limits.maxResultBytes}`,
    '--result_overflow_mode=throw',
    `--max_memory_usage=${limits.maxMemoryBytes}`,
    `--max_threads=${limits.maxThreads}`,
  ];
}

/** Opens the read-only connection; the writer (the data path's store) has created the database. */
export async function openReader(opts: ReaderOptions): Promise<SqlReader> {
  // the engine's configuration (its users, engine-access.ts) in force even if this connection is the first
  const args = [engineConfigArg(opts.path), ...connectionArgs(opts.limits)];
  const { session } = await openEngineSession(opts.path, args);
  const info = await session.queryAsync('SELECT timezone() AS tz, version() AS v', { format: 'JSONEachRow' });
  const [about] = parseJsonEachRow<{ tz: string; v: string }>(info.text());
  return new Reader(session, opts, about?.tz ?? 'UTC', about?.v ?? 'unknown');
}

class Reader implements SqlReader {
  readonly timezone: string;
  readonly version: string;
  readonly #session: Session;
  readonly #opts: ReaderOptions;
  #current: string | undefined;
  readonly #reads = new OneAtATime();
  #closed = false;

  constructor(session: Session, opts: ReaderOptions, timezone: string, version: string) {
    this.#session = session;
    this.#opts = opts;
    this.timezone = timezone;
    this.version = version;
  }

  read(sql: string, request: ReadRequest): Promise<ReadResult> {
    return this.#serialised(() => this.#run(sql, request).catch(rethrow));
  }

  async query<T = Row>(sql: string, params?: Record<string, unknown>): Promise<T[]> {
    const result = await this.read(sql, { format: 'JSONEachRow', ...(params ? { params } : {}) });
    return parseJsonEachRow<T>(Buffer.from(result.body).toString('utf8'));
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#reads.drained();
    this.#session.close();
  }

  /**
   * One read at a time (`USE` is connection state, and chdb runs a connection's statements one after
   * another anyway); at most `maxQueued` wait behind the running one, the rest are refused at once.
   */
  #serialised<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#closed) return Promise.reject(new ReaderError(210, 'NETWORK_ERROR', 'the reader is closed'));
    const pending = this.#reads.pending;
    if (pending > this.#opts.limits.maxQueued) {
      const msg = `Too many simultaneous queries: ${pending - 1} are waiting (maxQueued)`;
      return Promise.reject(new ReaderError(202, 'TOO_MANY_SIMULTANEOUS_QUERIES', msg));
    }
    return this.#reads.run(fn);
  }

  async #run(sql: string, request: ReadRequest): Promise<ReadResult> {
    try {
      await this.#singleStatement(sql);
      await this.#use(request.database ?? this.#opts.database);
      // A read-only connection accepts a SET only when it changes nothing, so nothing needs resetting.
      for (const [name, value] of Object.entries(request.settings ?? {})) {
        if (!SETTING_NAME.test(name))
          throw new ReaderError(115, 'UNKNOWN_SETTING', `Unknown setting '${name}'`);
        await this.#session.queryBindAsync(`SET ${quoteIdentifier(name)} = {v:String}`, { v: value });
      }
      const opts = {
        format: request.format,
        ...(request.timeoutMs === undefined ? {} : { timeout: request.timeoutMs }),
      };
      const params = request.params ?? {};
      const result =
        Object.keys(params).length > 0
          ? await this.#session.queryBindAsync(sql, params, opts)
          : await this.#session.queryAsync(sql, opts);
      return {
        body: result.bytes(),
        rowsRead: result.rowsRead,
        bytesRead: result.bytesRead,
        elapsedS: result.elapsed,
      };
    } catch (err) {
      await this.#drain();
      throw err;
    }
  }

  /**
   * One statement per request, as ClickHouse's HTTP interface allows: the engine's own parser says whether
   * the text holds more than one (chdb would otherwise run them all, one after another). And none the
   * read-only connection would run though it is no read (refused-statements.ts).
   */
  async #singleStatement(sql: string): Promise<void> {
    let formatted: string;
    try {
      const result = await this.#session.queryBindAsync(
        'SELECT formatQuerySingleLine({q:String})',
        { q: sql },
        { format: 'TSVRaw' },
      );
      formatted = result.text();
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (message.includes('Multi-statements are not allowed')) {
        const detail = /Syntax error \(Multi-statements are not allowed\)[^:]*:[^:]*/.exec(message)?.[0];
        throw new ReaderError(62, 'SYNTAX_ERROR', detail ?? 'Syntax error: Multi-statements are not allowed');
      }
      // A statement that does not parse is reported by its own run; nothing unchecked runs otherwise.
      if (/\(SYNTAX_ERROR\)/.test(message)) return;
      throw err;
    }
    const refused = refusedStatement(formatted);
    if (refused !== undefined) throw new ReaderError(164, 'READONLY', refused);
  }

  /**
   * chdb keeps the output a failed statement had produced so far and hands it out at the front of the
   * connection's next result; a throwaway read takes it, so the next request never sees another's rows.
   */
  async #drain(): Promise<void> {
    await this.#session.queryAsync('SELECT 1', { format: 'Null' }).catch(() => undefined);
  }

  async #use(database: string): Promise<void> {
    if (this.#current === database) return;
    this.#current = undefined; // unknown until USE succeeds
    await this.#session.queryAsync(`USE ${quoteIdentifier(database)}`);
    this.#current = database;
  }
}
