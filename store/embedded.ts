// The embedded store (the default): a chdb Session on a local directory. Everything goes through chdb's
// async API, one call at a time, so inserts and queries run on the libuv pool, not on the event loop.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Session } from 'chdb';
import { holdIdleCodeOut } from '../common/idle-code.ts';
import { mergeTreeDefaults } from '../common/merge-tree.ts';
import type { JsonLines, Row, Store } from './contract.ts';
import { engineUsersXml } from './engine-access.ts';
import { holdEngineThreadsLow } from './engine-priority.ts';
import { forgetInsertFiles, InsertFiles, insertFromFileSql } from './insert-file.ts';
import { statusLockHolder } from './lock-holder.ts';
import { OneAtATime } from './one-at-a-time.ts';
import { INSERT_SETTINGS, parseJsonEachRow, qualified, rowsToJsonLines } from './sql.ts';
import { forgetTornInserts, type TornInsert } from './torn-inserts.ts';

/**
 * The engine's server settings (its defaults are sized for a dedicated analytics server, not for a
 * process that shares its memory with the ingest). Each is an upper bound; what it costs:
 * - mark caches and the primary-index cache (5 GiB each by default): a read whose marks fell out of the
 *   64 MiB cache reads them from disk again; the ingest's reads (consent, short links, eid reload) touch
 *   few parts.
 * - query condition cache (100 MiB): repeated filtered reads re-evaluate their conditions.
 * - merges one at a time (a pool of 1 thread and 1 merge per thread; the engine's defaults, 2 and 2, let
 *   four merges hold their memory at once): each insert adds a part to `events` and to every table its
 *   views fill, so the tables reach their merge at the same moment, and where every event is a new
 *   visitor the merges of `visitors` and `sessions` held 60–140 MiB each, beside an insert. One at a
 *   time, the largest merge sits beside an insert, not the sum of four. The merges share the one core the
 *   ingest gives the engine either way; one at a time, a merge waits for the one before it and takes the
 *   parts that arrived meanwhile (bench/README.md, ADR 0072).
 * Measured under 100-event POSTs and WebSocket frames and left at the engine's defaults: common and
 * schedule pools of 2 and 4 idle global-pool threads lowered no peak (the engine's memory is its inserts'
 * and merges' working set, not its threads); a max_server_memory_usage of 384 MiB made every
 * 50,000-row `events` insert fail (retried until the breaker opened); one jemalloc arena, or one parsing
 * and insert thread, changed nothing measurable (bench/README.md, "Where the memory went"). Nor did the
 * insert settings, measured one 50,000-row `events` insert at a time and left at the engine's defaults:
 * the views' squashing (min_insert_block_size_rows/bytes_for_materialized_views), blocks of 8,192 rows
 * (more parts, ~6x the merges and ~40% more CPU per row) and max_threads = 1 lowered no peak; what did is
 * how the body reaches the engine (insert-file.ts), parsing it on one thread (EMBEDDED_INSERT_SETTINGS) and,
 * for `events`, its views' blocks not merged again on insert (EMBEDDED_TABLE_INSERT_SETTINGS).
 */
export const ENGINE_ARGS: readonly string[] = [
  '--mark_cache_size=67108864',
  '--index_mark_cache_size=33554432',
  '--primary_index_cache_size=33554432',
  '--query_condition_cache_size=16777216',
  '--background_pool_size=1',
  '--background_merges_mutations_concurrency_ratio=1',
];

/**
 * The engine's allocator (its own jemalloc, configured by JE_MALLOC_CONF when it loads) keeps freed pages
 * for 10 s by default, so every insert and merge left its peak resident long after. Returning them at once
 * costs more madvise calls and page faults on the next allocation; it lowered the peak resident size of a
 * stream of 20,000-row inserts by about a fifth. The price, measured on such a stream (events with their
 * eight materialized views): 150,000 instead of 26,000 page faults per 100,000 rows and about a quarter more
 * engine CPU per row (the engine allocates and frees ~130 MB of I/O buffers per 20,000-row insert, and each
 * insert faults them in again); the engine's default (10 s) keeps ~50 MiB more at peak. An operator's own
 * JE_MALLOC_CONF wins.
 */
export const ENGINE_ALLOCATOR = 'dirty_decay_ms:0,muzzy_decay_ms:0';

/**
 * The engine's MergeTree defaults, for every table it holds: the bounds on the files a part needs, and
 * parts synced before their insert answers (common/merge-tree.ts says why and what they cost). The engine runs in the ingest's process and shares
 * its limit of open files, often a few thousand; it is a current release, so it takes every one.
 */
export const ENGINE_MERGE_TREE: Readonly<Record<string, number>> = mergeTreeDefaults();

/**
 * MergeTree settings of the embedded engine alone, beside ENGINE_MERGE_TREE: what a merge holds per part it
 * reads and per stream it writes. A merge reads its parts a granule at a time, and a granule was up to
 * 8,192 rows: for the aggregate states of `visitors` and `sessions` (six argMin/argMax states of strings a
 * visitor) ~10 MiB per part merged. Granules of at most 1 MiB (uncompressed) make that ~5 MiB, and
 * compression blocks of 64–128 KiB instead of 64 KiB–1 MiB shrink the buffer every stream of the part
 * being written holds (a Wide part: a stream per column, about a hundred for a JSON column). A merge of
 * eight `visitors` parts fell from ~135 to ~77 MiB, an `events` merge from ~30 to ~11 (bench/README.md,
 * ADR 0072). What it costs: more marks (one per granule and stream, in the bounded mark cache) and a
 * little compression. The rows are the same; parts written before keep their granules (a part records
 * its own) and merge with the new ones.
 */
export const EMBEDDED_MERGE_TREE: Readonly<Record<string, number>> = {
  index_granularity_bytes: 1024 * 1024,
  min_compress_block_size: 64 * 1024,
  max_compress_block_size: 128 * 1024,
};

/**
 * The settings of the embedded engine's inserts: the stores' own, and each body parsed on one thread.
 * Parallel parsing cuts the body into segments of 10 MiB, parses them on the engine's pool and joins the
 * blocks again: on the one core the ingest shares with the engine that is a copy of the body in flight
 * and its bookkeeping, not parallelism (~28% of the parse's CPU and ~35 MiB of buffers per 50,000-row
 * `events` insert, bench/README.md). The rows, their order and the one block they make are the same
 * either way, so every table and view holds the same. A server (clickhouse.ts) has cores to parse on
 * and keeps the engine's default.
 */
export const EMBEDDED_INSERT_SETTINGS = { ...INSERT_SETTINGS, input_format_parallel_parsing: 0 } as const;

/**
 * Settings of the embedded engine's inserts into one table, beside EMBEDDED_INSERT_SETTINGS.
 * `events`: the blocks its materialized views insert are not merged again on the way in
 * (`optimize_on_insert = 0`). Every view on `events` groups by its target's sorting key, so the block it
 * inserts already has one row per key and merging it finds nothing to merge; doing so anyway copies
 * every aggregate state of the block. Where every event is a new visitor and session, a 50,000-row
 * insert's own peak fell from ~183 to ~127 MiB (bench/README.md, ADR 0068). Not for every table: a
 * Replacing or Summing table the data path inserts into directly would keep a batch's duplicate keys
 * until a merge.
 */
export const EMBEDDED_TABLE_INSERT_SETTINGS: Readonly<Record<string, Readonly<Record<string, number>>>> = {
  events: { optimize_on_insert: 0 },
};

const xmlText = (text: string) =>
  text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

/**
 * The engine's configuration files, in the data directory (written at every open: always the current ones):
 * its MergeTree defaults, and its users (engine-access.ts), by absolute path since the engine opens it
 * from its working directory. The engine applies the configuration of a process's first connection to
 * all of them, so every connection names it: whichever opens first, the lock on table functions holds.
 */
export function engineConfigArg(path: string): string {
  return `--config-file=${engineConfig(path)}`;
}

function engineConfig(path: string): string {
  mkdirSync(path, { recursive: true });
  const settings = Object.entries({ ...ENGINE_MERGE_TREE, ...EMBEDDED_MERGE_TREE }).map(
    ([k, v]) => `    <${k}>${v}</${k}>`,
  );
  const users = resolve(path, 'tracker-engine-users.xml');
  writeFileSync(users, engineUsersXml());
  const file = join(path, 'tracker-engine.xml');
  writeFileSync(
    file,
    `<clickhouse>\n  <users_config>${xmlText(users)}</users_config>\n  <merge_tree>\n${settings.join('\n')}\n  </merge_tree>\n</clickhouse>\n`,
  );
  return file;
}

export interface EmbeddedStoreOptions {
  readonly path: string;
  readonly database: string;
  /** Nice value for every thread but the event loop's and V8's (engine-priority.ts); 0 or absent: unchanged. */
  readonly engineNice?: number;
  /** Seconds between releases of the code the process is not running (common/idle-code.ts); 0 or absent: never. */
  readonly idleCodeReleaseSeconds?: number;
}

/**
 * The data directory is held by another process: chdb (like a ClickHouse server) locks it for as long as a
 * session is open, so a running ingest keeps every other process out until it stops.
 */
export class EmbeddedStoreLocked extends Error {
  override readonly name = 'EmbeddedStoreLocked';
}

function lockedError(path: string, pid: string | undefined, cause?: unknown): EmbeddedStoreLocked {
  const holder = pid === undefined ? '' : ` (pid ${pid})`;
  return new EmbeddedStoreLocked(
    `open the embedded engine at ${path}: another process${holder} holds it; one process at a time may use a data directory, and a running ingest holds its directory until it stops`,
    { cause },
  );
}

/** chdb's error for a directory another process holds; anything else passes through unchanged. */
function lockedOr(err: unknown, path: string): unknown {
  if (!/Failed to create connection/.test((err as Error).message ?? '')) return err;
  let pid: string | undefined;
  try {
    // The lock holder writes its pid into <path>/status while it runs.
    pid = /PID:\s*(\d+)/.exec(readFileSync(join(path, 'status'), 'utf8'))?.[1];
  } catch {
    // No status file to name the holder by: the message stands without it.
  }
  return lockedError(path, pid, err);
}

/** Refused before the engine is asked, which would print its own lock error to the terminal first. */
function refuseIfHeld(path: string): void {
  const holder = statusLockHolder(path);
  if (typeof holder === 'object') throw lockedError(path, holder.pid === 0 ? undefined : String(holder.pid));
}

/**
 * Data directories this process's engine has opened: the engine stays bound to its directory after a
 * session closes, so its status file names this process, and its files are never repaired under it.
 */
const bound = new Set<string>();

/**
 * A chdb session on `path` (the store's, or the reader's second connection). The first in this process
 * first forgets the inserts a killed process left torn (the engine reads its deduplication records once,
 * when it loads the tables), and once it holds the directory removes the insert files a process that
 * ended left (insert-file.ts). Not before: a process refused because another one holds the directory
 * (`tracker prune` beside a running ingest) would delete the files the holder is inserting from.
 */
export async function openEngineSession(
  path: string,
  connectionArgs: readonly string[],
): Promise<{ session: Session; torn: readonly TornInsert[] }> {
  // read when the engine loads, so set before its first import
  process.env.JE_MALLOC_CONF ??= ENGINE_ALLOCATOR;
  const { Session } = await import('chdb');
  mkdirSync(path, { recursive: true });
  const first = !bound.has(resolve(path));
  if (first) refuseIfHeld(path);
  const torn = first ? forgetTornInserts(path) : [];
  // chdb binds one data directory per process (its README): a second path throws here, and a directory
  // another process holds throws EmbeddedStoreLocked.
  try {
    const session = new Session(path, { connectionArgs: [...connectionArgs] });
    if (first) forgetInsertFiles(path);
    bound.add(resolve(path));
    return { session, torn };
  } catch (err) {
    throw lockedOr(err, path);
  }
}

export class EmbeddedStore implements Store {
  readonly kind = 'embedded' as const;
  /** Inserts a killed process left half-committed, forgotten before the engine opened (torn-inserts.ts). */
  readonly tornInserts: readonly TornInsert[];
  readonly #session: Session;
  readonly #database: string;
  /** Stops what open() started beside the engine: its threads' priority, its code's releases. */
  readonly #stopHolds: () => void;
  readonly #files: InsertFiles;
  /** Every call on the session, in turn (one-at-a-time.ts says why). */
  readonly #calls = new OneAtATime();

  private constructor(
    session: Session,
    database: string,
    tornInserts: readonly TornInsert[],
    stopHolds: () => void,
    files: InsertFiles,
  ) {
    this.#session = session;
    this.#database = database;
    this.tornInserts = tornInserts;
    this.#stopHolds = stopHolds;
    this.#files = files;
  }

  /** chdb (a 500 MB native engine) is loaded on first use only, so the clickhouse kind never loads it. */
  static async open(opts: EmbeddedStoreOptions): Promise<EmbeddedStore> {
    const config = engineConfigArg(opts.path);
    const { session, torn } = await openEngineSession(opts.path, [...ENGINE_ARGS, config]);
    // Unqualified names in API queries resolve to the tracker database, as on a server (?database=).
    await session.queryAsync(`CREATE DATABASE IF NOT EXISTS \`${opts.database}\``);
    await session.queryAsync(`USE \`${opts.database}\``);
    // After the first queries: the engine's pools and libuv's are running, so the first pass finds them.
    const files = new InsertFiles(opts.path);
    const stopPriority = holdEngineThreadsLow(opts.engineNice ?? 0);
    // After the engine started and made its database: most of what start-up ran is not run again.
    const stopReleases = holdIdleCodeOut(opts.idleCodeReleaseSeconds ?? 0);
    const stopHolds = () => {
      stopPriority();
      stopReleases();
    };
    return new EmbeddedStore(session, opts.database, torn, stopHolds, files);
  }

  async insert(table: string, rows: readonly Row[], opts: { dedupToken: string }): Promise<void> {
    if (rows.length === 0) return;
    await this.insertJsonLines(table, rowsToJsonLines(rows), opts);
  }

  /** The engine reads the body from a file (insert-file.ts says why). */
  async insertJsonLines(table: string, lines: JsonLines, opts: { dedupToken: string }): Promise<void> {
    const settings = {
      ...EMBEDDED_INSERT_SETTINGS,
      ...EMBEDDED_TABLE_INSERT_SETTINGS[table],
      insert_deduplication_token: opts.dedupToken,
    };
    const target = qualified(this.#database, table);
    await this.#files.with(lines, (file) =>
      this.#call(() => this.#session.queryAsync(insertFromFileSql(target, file, settings))),
    );
  }

  async query<T = Row>(sql: string, params?: Record<string, unknown>): Promise<T[]> {
    const opts = { format: 'JSONEachRow' };
    const result = await this.#call(() =>
      params ? this.#session.queryBindAsync(sql, params, opts) : this.#session.queryAsync(sql, opts),
    );
    return parseJsonEachRow<T>(result.text());
  }

  async command(sql: string, params?: Record<string, unknown>): Promise<void> {
    await this.#call(() =>
      params ? this.#session.queryBindAsync(sql, params) : this.#session.queryAsync(sql),
    );
  }

  /**
   * Runs a statement once the session's earlier calls have ended. chdb keeps the output a failed statement
   * had produced so far and hands it out at the front of the session's next result; a throwaway read takes
   * it before the next call starts, so every call parses only its own rows.
   */
  #call<T>(run: () => Promise<T>): Promise<T> {
    return this.#calls.run(async () => {
      try {
        return await run();
      } catch (err) {
        await this.#session.queryAsync('SELECT 1', { format: 'Null' }).catch(() => undefined);
        throw err;
      }
    });
  }

  async ping(): Promise<boolean> {
    try {
      await this.#call(() => this.#session.queryAsync('SELECT 1'));
      return true;
    } catch {
      return false;
    }
  }

  /** Calls already sent end first, as chdb itself lets a running statement finish before it closes. */
  async close(): Promise<void> {
    this.#stopHolds();
    await this.#calls.drained();
    this.#session.close();
    this.#files.remove();
  }
}
