// The clickhouse store: @clickhouse/client over HTTP(S) to one server or to a cluster's Distributed
// tables. Inserts stream the spool's JSONEachRow lines as the request body (no parse/re-serialise, no
// joined copy of the batch).
import { readFileSync } from 'node:fs';
import { type ClickHouseClient, ClickHouseLogLevel, createClient } from '@clickhouse/client';
import type { JsonLines, Row, Store } from './contract.ts';
import { BufferShelf, LentBody } from './lent-body.ts';
import { bodyPieces, INSERT_SETTINGS, parseJsonEachRow, qualified, rowsToJsonLines } from './sql.ts';

/**
 * Buffers lent to the spool's reads of a batch (the spool reads 1 MiB at a time); a few are kept between
 * inserts: one being read, one waiting in the body, one or two in the socket.
 */
const BODY_BUFFER_BYTES = 1024 * 1024;
const BODY_BUFFERS_KEPT = 4;

export interface ClickHouseStoreOptions {
  readonly url: string;
  readonly database: string;
  readonly username?: string;
  readonly password?: string;
  readonly passwordFile?: string;
  /** Set for a cluster: inserts then wait for every shard, so a retried batch is deduplicated there. */
  readonly cluster?: string;
  readonly requestTimeoutMs?: number;
  /**
   * Idle sockets are dropped after this long. It must stay below the server's keep_alive_timeout
   * (10 s self-hosted, 3 s Cloud) or a reused socket meets "socket hang up".
   */
  readonly idleSocketTtlMs?: number;
}

export class ClickHouseStore implements Store {
  readonly kind = 'clickhouse' as const;
  readonly #client: ClickHouseClient;
  /** Bound to `default`: CREATE DATABASE cannot run on a connection bound to the missing database. */
  readonly #bootstrap: ClickHouseClient;
  readonly #database: string;
  readonly #cluster: boolean;
  readonly #shelf = new BufferShelf(BODY_BUFFER_BYTES, BODY_BUFFERS_KEPT);

  constructor(opts: ClickHouseStoreOptions) {
    this.#database = opts.database;
    this.#cluster = opts.cluster !== undefined;
    const common = {
      url: opts.url,
      username: opts.username ?? 'default',
      password: opts.password ?? (opts.passwordFile ? readFileSync(opts.passwordFile, 'utf8').trim() : ''),
      request_timeout: opts.requestTimeoutMs ?? 30_000,
      keep_alive: { enabled: true, idle_socket_ttl: opts.idleSocketTtlMs ?? 2_000 },
      application: 'tracker-ingest',
      // Failures are handled (retried, dead-lettered, counted) by the data path; the client's own
      // error log would print every retry of an outage.
      log: { level: ClickHouseLogLevel.OFF },
    };
    this.#client = createClient({ ...common, database: opts.database });
    this.#bootstrap = createClient({ ...common, database: 'default' });
  }

  async insert(table: string, rows: readonly Row[], opts: { dedupToken: string }): Promise<void> {
    if (rows.length === 0) return;
    await this.insertJsonLines(table, rowsToJsonLines(rows), opts);
  }

  async insertJsonLines(table: string, lines: JsonLines, opts: { dedupToken: string }): Promise<void> {
    // The spool's pieces streamed as they are: a batch (up to its maxBytes) is never joined in memory, one
    // piece is read ahead of the socket, and what is read back from disk is read into the shelf's buffers.
    const body = new LentBody(this.#shelf, (buffers) => bodyPieces(lines, undefined, buffers));
    try {
      const result = await this.#client.exec({
        query: `INSERT INTO ${qualified(this.#database, table)} FORMAT JSONEachRow`,
        values: body,
        clickhouse_settings: {
          ...INSERT_SETTINGS,
          insert_deduplication_token: opts.dedupToken,
          // Synchronous Distributed inserts: the token reaches each shard with the same sub-block on a
          // retry (the sharding keys are deterministic), so the shard deduplicates it.
          ...(this.#cluster ? { distributed_foreground_insert: 1 } : {}),
        },
      });
      // An unread response body keeps the socket busy (clickhouse-js: socket hang up); drain it.
      result.stream.resume();
      await new Promise<void>((resolve) => result.stream.once('close', resolve).once('end', resolve));
    } finally {
      body.settle();
    }
  }

  /**
   * The statement as written, its format asked for by `default_format`: the client's `query()` appends
   * `FORMAT JSONEachRow` to it, which a syntax error then quoted back as SQL the caller never wrote.
   */
  async query<T = Row>(sql: string, params?: Record<string, unknown>): Promise<T[]> {
    const { stream } = await this.#client.exec({
      query: sql,
      query_params: params,
      clickhouse_settings: { default_format: 'JSONEachRow' },
    });
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    return parseJsonEachRow<T>(Buffer.concat(chunks).toString('utf8'));
  }

  async command(sql: string, params?: Record<string, unknown>): Promise<void> {
    const client = /^\s*CREATE\s+DATABASE\b/i.test(sql) ? this.#bootstrap : this.#client;
    await client.command({ query: sql, query_params: params });
  }

  async ping(): Promise<boolean> {
    const result = await this.#client.ping();
    return result.success;
  }

  async close(): Promise<void> {
    await this.#client.close();
    await this.#bootstrap.close();
  }
}
