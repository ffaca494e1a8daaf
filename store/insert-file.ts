// An insert's body handed to the embedded engine as a file it reads itself (INSERT ... FROM INFILE),
// not as bytes in memory. chdb's in-memory insert copies the body several times inside the engine before
// it parses a row: a 50,000-row `events` batch (~20 MiB) held ~100 MiB of the engine's memory beyond what
// the insert itself used, and 10-30% of the insert's CPU per row. Read from a file, the engine parses
// it through its own read buffer, and the ingest writes the pieces as they come instead of joining them
// into one buffer first. The price is writing the body once more (to the page cache; the file is deleted
// once the insert has answered, usually before the kernel writes it back) and a file created and deleted
// per insert. The file holds nothing that is not already durable in the spool: a crash leaves it behind
// as garbage, removed when the store next opens (bench/README.md, "Where the memory went").
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { type FileHandle, open, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { BodyBuffers, JsonLines } from './contract.ts';
import { BufferShelf } from './lent-body.ts';
import { iterableOf } from './sql.ts';

/** The directory of insert files, ours, in the engine's data directory. */
const DIR = 'tracker-inserts';

/** A setting's value as a ClickHouse literal. */
function literal(value: string | number): string {
  if (typeof value === 'number') return String(value);
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** `INSERT INTO <target> FROM INFILE '<file>' SETTINGS … FORMAT JSONEachRow`. */
export function insertFromFileSql(
  target: string,
  file: string,
  settings: Readonly<Record<string, string | number>>,
): string {
  const set = Object.entries(settings).map(([k, v]) => `${k} = ${literal(v)}`);
  return `INSERT INTO ${target} FROM INFILE ${literal(file)} SETTINGS ${set.join(', ')} FORMAT JSONEachRow`;
}

/**
 * Removes the insert files a process that ended left (its rows are in its spool, to be inserted again):
 * called once this process's engine holds the directory (no other process can be inserting) and before
 * its first store makes its own, when no insert can be running.
 */
export function forgetInsertFiles(enginePath: string): void {
  rmSync(join(enginePath, DIR), { recursive: true, force: true });
}

/**
 * Buffers lent to the spool's reads of a batch (the spool reads 1 MiB at a time), a few kept between
 * inserts: a gathered write holds one or two, and the tables' inserts may overlap.
 */
const BODY_BUFFER_BYTES = 1024 * 1024;
const BODY_BUFFERS_KEPT = 4;

/** Insert files of one store, in a directory of its own: written, read by the engine, deleted. */
export class InsertFiles {
  readonly dir: string;
  readonly #shelf = new BufferShelf(BODY_BUFFER_BYTES, BODY_BUFFERS_KEPT);
  #next = 0;

  constructor(enginePath: string) {
    mkdirSync(join(enginePath, DIR), { recursive: true });
    this.dir = mkdtempSync(join(enginePath, DIR, 'store-'));
  }

  /**
   * When the store closes. An insert still running keeps reading the file it opened; one whose file is
   * gone before the engine opened it fails, and its rows stay in the spool.
   */
  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Runs `insert` with a file holding the lines, deleted once the insert has answered. */
  async with<T>(lines: JsonLines, insert: (file: string) => Promise<T>): Promise<T> {
    const file = join(this.dir, `${this.#next++}.jsonl`);
    try {
      await writeLines(file, lines, this.#shelf);
      return await insert(file);
    } finally {
      await unlink(file).catch(() => undefined);
    }
  }
}

/** Pieces written by one call, and about the bytes after which a group is written (no piece is copied). */
const IOV_MAX = 1024;
const GROUP_BYTES = 1 << 20;

/**
 * Writes the lines as they come, a group of pieces per call: a batch of single events is tens of
 * thousands of pieces, and a write for each (an operation of the thread pool and a turn of the event
 * loop apiece) took seconds under load. A batch read back from the spool's files is read into the
 * shelf's buffers: every chunk read used to be a fresh 1 MiB buffer (~20 MiB per `events` insert), and
 * V8 counts fresh external memory against the headroom that starts its full collections.
 */
export async function writeLines(file: string, lines: JsonLines, shelf: BufferShelf): Promise<void> {
  const handle = await open(file, 'w');
  const loans = new WriteLoans(shelf);
  try {
    if (Buffer.isBuffer(lines)) return await writeAll(handle, [lines]);
    let group: Buffer[] = [];
    let bytes = 0;
    for await (const piece of iterableOf(lines, loans)) {
      loans.yielded(piece);
      group.push(piece);
      bytes += piece.length;
      if (group.length < IOV_MAX && bytes < GROUP_BYTES) continue;
      await writeAll(handle, group);
      loans.written();
      group = [];
      bytes = 0;
    }
    if (group.length > 0) await writeAll(handle, group);
  } finally {
    // Every write has settled (the one that failed too): nothing the reader yielded is still being written.
    loans.written();
    await handle.close();
  }
}

/**
 * The shelf's buffers lent to one insert's reader. A buffer is the reader's until it yields a view of
 * it (or gives it back); from then on the writer's, until the gathered write holding that view has
 * completed. The writer asks the reader for the next piece only while it is gathering or once a write
 * has completed, and every piece yielded joins the group being gathered: when a write completes, every
 * buffer a view was yielded of has been written, and goes back to the shelf. A buffer lent and neither
 * yielded nor given back is the reader's still, and never returns.
 */
class WriteLoans implements BodyBuffers {
  readonly #shelf: BufferShelf;
  /** Lent, nothing of it yielded yet. */
  #reading: Buffer[] = [];
  /** Yielded, in the group being gathered. */
  #writing: Buffer[] = [];

  constructor(shelf: BufferShelf) {
    this.#shelf = shelf;
  }

  lend(bytes: number): Buffer {
    if (bytes > this.#shelf.size) return Buffer.allocUnsafe(bytes);
    const buffer = this.#shelf.take();
    this.#reading.push(buffer);
    return buffer;
  }

  giveBack(buffer: Buffer): void {
    if (this.#take(buffer)) this.#shelf.put(buffer);
  }

  /** A piece the reader yielded: its buffer, if lent, is being written now. */
  yielded(piece: Buffer): void {
    const buffer = this.#take(piece);
    if (buffer) this.#writing.push(buffer);
  }

  /** The group is written: its lent buffers go back to the shelf. */
  written(): void {
    for (const buffer of this.#writing) this.#shelf.put(buffer);
    this.#writing = [];
  }

  /** The lent buffer `view` is of (told apart by its ArrayBuffer), no longer the reader's. */
  #take(view: Buffer): Buffer | undefined {
    const i = this.#reading.findIndex((b) => b.buffer === view.buffer);
    if (i === -1) return undefined;
    return this.#reading.splice(i, 1)[0];
  }
}

/** One gathered write, and the rest if the system wrote less. */
async function writeAll(handle: FileHandle, group: Buffer[]): Promise<void> {
  const { bytesWritten } = await handle.writev(group);
  const total = group.reduce((n, b) => n + b.length, 0);
  if (bytesWritten < total) await handle.writeFile(Buffer.concat(group).subarray(bytesWritten));
}
