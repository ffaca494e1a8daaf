// The disk spool: a directory with one write-ahead log per table (ADR 0001).
//   <dir>/spool.id            random id of this spool, part of every dedup token
//   <dir>/spool.lock          the process that has it open (ingest/dir-lock.ts)
//   <dir>/<table>/NNNN.wal    segments of the table's log
import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type DirLock, lockSpoolDir } from '../../dir-lock.ts';
import { syncDir } from '../../sync-dir.ts';
import type { Spool, TableLog } from '../contract.ts';
import { SpaceAccount } from './segments.ts';
import { DiskTableLog, MemoryBudget } from './table-log.ts';

export interface DiskSpoolOptions {
  readonly dir: string;
  readonly maxBytes: number;
  readonly segmentBytes: number;
  readonly fsyncIntervalMs: number;
  /** See WriterOptions.groupCommitMaxWaitMs; 0 when unset. */
  readonly groupCommitMaxWaitMs?: number;
  /** false: acknowledge once written, without fdatasync (see WriterOptions.fsync). Default true. */
  readonly fsync?: boolean;
  /** Rows cached in memory across all tables; beyond it pending rows are read back from disk. */
  readonly memoryBytes: number;
  readonly retryAfterSeconds: number;
  readonly now?: () => number;
  /** Told how long each fdatasync took (seconds). */
  readonly onSync?: (seconds: number) => void;
}

const TABLE_DIR = /^[a-z][a-z0-9_]{0,62}$/;

export class DiskSpool implements Spool {
  readonly kind = 'disk' as const;
  readonly #opts: DiskSpoolOptions;
  readonly #id: string;
  readonly #space: SpaceAccount;
  readonly #budget: MemoryBudget;
  readonly #logs = new Map<string, Promise<DiskTableLog>>();
  readonly #open = new Map<string, DiskTableLog>();
  readonly #lock: DirLock;

  private constructor(opts: DiskSpoolOptions, id: string, lock: DirLock) {
    this.#opts = opts;
    this.#id = id;
    this.#lock = lock;
    this.#space = new SpaceAccount(opts.maxBytes);
    this.#budget = new MemoryBudget(opts.memoryBytes);
  }

  /** Opens (or creates) the spool and recovers the log of every table found in it. */
  static async open(opts: DiskSpoolOptions): Promise<DiskSpool> {
    await mkdir(opts.dir, { recursive: true });
    const lock = lockSpoolDir(opts.dir);
    try {
      const spool = new DiskSpool(opts, await spoolId(opts.dir), lock);
      const entries = await readdir(opts.dir, { withFileTypes: true });
      for (const e of entries) if (e.isDirectory() && TABLE_DIR.test(e.name)) await spool.log(e.name);
      return spool;
    } catch (err) {
      lock.release();
      throw err;
    }
  }

  get id(): string {
    return this.#id;
  }

  /**
   * A full spool refuses appends until rows leave it; a table whose failed write could not be rolled
   * back refuses them until a restart. A single failed write that was rolled back refuses only itself.
   */
  refusal(): string | undefined {
    if (this.#space.full) return `the spool is full (spool.maxBytes ${this.#space.max} bytes)`;
    for (const [table, log] of this.#open) {
      const broken = log.broken;
      if (broken !== undefined) return `the spool of table ${table} is unwritable until a restart: ${broken}`;
    }
    return undefined;
  }

  get bytes(): number {
    return this.#space.used;
  }

  /** Bytes of rows cached in memory. */
  get memoryBytes(): number {
    return this.#budget.used;
  }

  log(table: string): Promise<TableLog> {
    if (!TABLE_DIR.test(table)) return Promise.reject(new Error(`spool: invalid table name ${table}`));
    let log = this.#logs.get(table);
    if (!log) {
      log = this.#openLog(table).then((opened) => {
        this.#open.set(table, opened);
        return opened;
      });
      this.#logs.set(table, log);
      log.catch(() => this.#logs.delete(table));
    }
    return log;
  }

  /** The log of a table if it is already open (for synchronous status snapshots). */
  peek(table: string): TableLog | undefined {
    return this.#open.get(table);
  }

  tables(): string[] {
    return [...this.#logs.keys()];
  }

  async close(): Promise<void> {
    for (const log of this.#logs.values()) await (await log.catch(() => undefined))?.close();
    this.#lock.release();
  }

  async #openLog(table: string): Promise<DiskTableLog> {
    const dir = join(this.#opts.dir, table);
    await mkdir(dir, { recursive: true });
    return DiskTableLog.open(dir, table, {
      segmentBytes: this.#opts.segmentBytes,
      fsyncIntervalMs: this.#opts.fsyncIntervalMs,
      groupCommitMaxWaitMs: this.#opts.groupCommitMaxWaitMs ?? 0,
      fsync: this.#opts.fsync ?? true,
      space: this.#space,
      retryAfterSeconds: this.#opts.retryAfterSeconds,
      spoolId: this.#id,
      budget: this.#budget,
      now: this.#opts.now ?? Date.now,
      onSync: this.#opts.onSync,
    });
  }
}

/**
 * The spool's identity is part of every dedup token, so a wiped or second spool never produces a
 * token that an earlier spool already used (which the store would silently treat as a duplicate).
 */
async function spoolId(dir: string): Promise<string> {
  const path = join(dir, 'spool.id');
  const existing = await readFile(path, 'utf8').catch(() => undefined);
  if (existing?.trim()) return existing.trim();
  const id = randomUUID().replaceAll('-', '').slice(0, 16);
  await writeFile(`${path}.tmp`, id, { flush: true });
  await rename(`${path}.tmp`, path);
  await syncDir(dir);
  return id;
}
