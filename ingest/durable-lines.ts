// An append-only file of JSON lines where each append is on disk before it resolves: written, fsynced,
// and, when the append created the file, its directory fsynced too (a new file's entry lives in the
// directory; without that sync a power loss can lose the whole file). Appends are serialised so lines
// from concurrent callers never interleave; a failed append rejects its caller and leaves the next one
// free to try again. The data path's and the destinations' dead letters are written this way.
import { mkdir, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import { syncDir } from './sync-dir.ts';

export class DurableLines {
  readonly path: string;
  #count = 0;
  #chain: Promise<void> = Promise.resolve();

  constructor(path: string) {
    this.path = path;
  }

  /** Lines appended since start. */
  get count(): number {
    return this.#count;
  }

  append(entries: readonly object[]): Promise<void> {
    if (entries.length === 0) return Promise.resolve();
    const text = entries.map((e) => `${JSON.stringify(e)}\n`).join('');
    const next = this.#chain.then(() => this.#write(text));
    this.#chain = next.catch(() => undefined);
    return next.then(() => {
      this.#count += entries.length;
    });
  }

  async #write(text: string): Promise<void> {
    const dir = dirname(this.path);
    const made = await mkdir(dir, { recursive: true });
    // 'ax' fails when the file exists: only the append that creates it syncs the directory.
    const created = await open(this.path, 'ax').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'EEXIST') return undefined;
      throw err;
    });
    const fh = created ?? (await open(this.path, 'a'));
    try {
      await fh.write(text);
      await fh.sync();
    } finally {
      await fh.close();
    }
    if (created) await syncCreated(dir, made);
  }
}

/** Syncs `dir` and, when directories were created down to it from `firstMade`, each of their parents. */
async function syncCreated(dir: string, firstMade: string | undefined): Promise<void> {
  await syncDir(dir);
  if (firstMade === undefined) return;
  for (let d = dir; d !== dirname(firstMade); d = dirname(d)) await syncDir(dirname(d));
}
