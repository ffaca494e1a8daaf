// An append-only file of JSON lines where each append is on disk before it resolves: written, fsynced,
// and, when the append created the file, its directory fsynced too (a new file's entry lives in the
// directory; without that sync a power loss can lose the whole file). Appends are serialised so lines
// from concurrent callers never interleave; a failed append rejects its caller and leaves the next one
// free to try again. The data path's and the destinations' dead letters are written this way. A rewrite
// (an erasure removing a person's lines) is serialised with the appends: the file is written whole under
// a temporary name, fsynced and renamed over the old one, so a crash leaves the old file or the new one.
// The count is of the lines the file holds, those an earlier run wrote included: what an operator reading
// the status wants to know is whether there is anything to look at, not what this run added.
import { createReadStream } from 'node:fs';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { syncDir } from './sync-dir.ts';

export class DurableLines {
  readonly path: string;
  #count = 0;
  #chain: Promise<void> = Promise.resolve();

  constructor(path: string) {
    this.path = path;
    // first in the chain: every append and rewrite counts from the lines already there
    this.#chain = linesIn(path).then((n) => {
      this.#count += n;
    });
  }

  /** Lines in the file: those it held at start (once counted), plus appends, less what rewrites removed. */
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

  /**
   * Rewrites the file without the lines `drop` answers true for (a line that is not JSON is kept);
   * resolves with how many went. A missing file, or one with nothing to drop, is left untouched.
   */
  rewrite(drop: (entry: unknown) => boolean): Promise<number> {
    const next = this.#chain.then(() => this.#rewrite(drop));
    this.#chain = next.then(
      () => undefined,
      () => undefined,
    );
    return next;
  }

  async #rewrite(drop: (entry: unknown) => boolean): Promise<number> {
    const text = await readFile(this.path, 'utf8').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return '';
      throw err;
    });
    const lines = text.split('\n').filter((l) => l !== '');
    const kept = lines.filter((l) => !drop(parsed(l)));
    this.#count = lines.length;
    if (kept.length === lines.length) return 0;
    const tmp = `${this.path}.rewrite`;
    try {
      const fh = await open(tmp, 'w', 0o600);
      try {
        await fh.writeFile(kept.map((l) => `${l}\n`).join(''));
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(tmp, this.path);
    } catch (err) {
      await rm(tmp, { force: true }).catch(() => undefined);
      throw err;
    }
    await syncDir(dirname(this.path));
    this.#count = kept.length;
    return lines.length - kept.length;
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

/** Newlines in the file; none when it cannot be read (missing, or not a file: the first append says why). */
async function linesIn(path: string): Promise<number> {
  let n = 0;
  try {
    for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
      for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) n++;
    }
  } catch {
    return 0;
  }
  return n;
}

function parsed(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}

/** Syncs `dir` and, when directories were created down to it from `firstMade`, each of their parents. */
async function syncCreated(dir: string, firstMade: string | undefined): Promise<void> {
  await syncDir(dir);
  if (firstMade === undefined) return;
  for (let d = dir; d !== dirname(firstMade); d = dirname(d)) await syncDir(dirname(d));
}
