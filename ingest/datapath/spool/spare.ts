// The next segment's file, allocated ahead of time. Appending to a file changes its size, and on ext4
// every fdatasync after a size change commits the filesystem journal, which waits behind whatever
// else the machine is writing (the embedded engine's parts): 18–180 ms at worst where an overwrite
// of space already written took 7–8 ms. A table's log therefore writes into files that already have
// their full size: each fdatasync then only flushes data.
//
// One spare per table directory (`next.spare`): either written full of zeroes in the background
// (fdatasync'd before it is renamed into place, so the name never points at a half-written file) or
// a delivered segment's file kept instead of deleted. A recycled file still holds its old records:
// their seqs are all below the new segment's id, so recovery stops at them (record.ts). Being only
// a speed-up, every failure here falls back to what the log did before: a file that grows.
import { type FileHandle, open, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

export const SPARE_FILE = 'next.spare';
const TMP_FILE = `${SPARE_FILE}.tmp`;
const CHUNK = 1 << 20;

/**
 * The zeroes every spare is written from, one buffer for the process, made when the first is prepared
 * (the writes only read it). A fresh 1 MiB per spare lived until V8's next full collection.
 */
let shared: Buffer | undefined;
const zeroChunk = (): Buffer => (shared ??= Buffer.alloc(CHUNK));

export class Spare {
  readonly #dir: string;
  readonly #bytes: number;
  #ready = false;
  #preparing: Promise<void> | undefined;
  #closed = false;
  /** The preparation under way is to stop: a recycled file took its place. */
  #cancelled = false;
  /** takeAs and recycle run one at a time: both move the spare file. */
  #serial: Promise<unknown> = Promise.resolve();

  private constructor(dir: string, bytes: number) {
    this.#dir = dir;
    this.#bytes = bytes;
  }

  /** Finds a spare a previous run left (kept when it has the full size); drops a half-written one. */
  static async open(dir: string, bytes: number): Promise<Spare> {
    const spare = new Spare(dir, bytes);
    await rm(join(dir, TMP_FILE), { force: true });
    const size = await fileSize(join(dir, SPARE_FILE));
    if (size >= bytes) spare.#ready = true;
    else if (size >= 0) await rm(join(dir, SPARE_FILE), { force: true });
    return spare;
  }

  /**
   * Renames the spare to `path` when one is ready (true). The next spare is not started here: the
   * caller may be about to recycle a delivered segment's file (`prepare` once it knows).
   */
  takeAs(path: string): Promise<boolean> {
    return this.#oneAtATime(() => this.#takeAs(path));
  }

  async #takeAs(path: string): Promise<boolean> {
    const ready = this.#ready;
    this.#ready = false;
    if (ready) {
      try {
        await rename(join(this.#dir, SPARE_FILE), path);
      } catch {
        return false;
      }
    }
    return ready;
  }

  /**
   * Keeps a delivered segment's file as the spare instead of deleting it, when it has the full size
   * and no spare is there (one being zero-filled stops: the recycled file costs no writes); otherwise
   * deletes it.
   */
  recycle(path: string): Promise<void> {
    return this.#oneAtATime(() => this.#recycle(path));
  }

  async #recycle(path: string): Promise<void> {
    if (!this.#ready && !this.#closed && (await fileSize(path)) >= this.#bytes) {
      this.#cancelled = true;
      try {
        await rename(path, join(this.#dir, SPARE_FILE));
        this.#ready = true;
        return;
      } catch {
        // fall through: delete it
      }
    }
    await rm(path, { force: true });
  }

  /** Writes a spare full of zeroes in the background unless one is ready or on its way. */
  prepare(): void {
    if (this.#ready || this.#preparing || this.#closed) return;
    this.#cancelled = false;
    this.#preparing = this.#zeroFill()
      .then(async (done) => {
        if (done) this.#ready = true;
        else await rm(join(this.#dir, TMP_FILE), { force: true });
      })
      .catch(() => rm(join(this.#dir, TMP_FILE), { force: true }).catch(() => undefined))
      .finally(() => {
        this.#preparing = undefined;
      });
  }

  /** Stops preparing (what was half written is removed at the next open). */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#preparing;
  }

  get #stopped(): boolean {
    return this.#closed || this.#cancelled;
  }

  #oneAtATime<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.#serial.then(fn, fn);
    this.#serial = next.catch(() => undefined);
    return next;
  }

  async #zeroFill(): Promise<boolean> {
    const tmp = join(this.#dir, TMP_FILE);
    const fh: FileHandle = await open(tmp, 'w');
    try {
      const zeroes = zeroChunk();
      for (let at = 0; at < this.#bytes; at += zeroes.length) {
        if (this.#stopped) return false;
        await fh.write(zeroes, 0, Math.min(zeroes.length, this.#bytes - at), at);
        // A chunk at a time: allocating the whole file in one journal commit would hold up the log's
        // own fdatasyncs queued behind that commit for as long as the whole file takes to write.
        await fh.datasync();
      }
    } finally {
      await fh.close();
    }
    if (this.#stopped) return false;
    await rename(tmp, join(this.#dir, SPARE_FILE));
    return true;
  }
}

/** The file's size, or -1 when it does not exist. */
async function fileSize(path: string): Promise<number> {
  return stat(path).then(
    (s) => s.size,
    () => -1,
  );
}
