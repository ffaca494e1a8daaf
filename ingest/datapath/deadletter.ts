// Rows the store refused even alone go here, one JSON object per line with the reason, and are
// counted; nothing is silently dropped. Written and fsynced before the batch is committed.
import { mkdir, open } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface DeadLetter {
  readonly table: string;
  readonly token: string;
  readonly reason: string;
  /** The row exactly as it was spooled (a JSON text). */
  readonly row: string;
}

export class DeadLetterFile {
  readonly path: string;
  #count = 0;
  #chain: Promise<void> = Promise.resolve();

  constructor(path: string) {
    this.path = path;
  }

  get count(): number {
    return this.#count;
  }

  write(letters: readonly DeadLetter[], at: Date = new Date()): Promise<void> {
    const text = letters.map((l) => `${JSON.stringify({ at: at.toISOString(), ...l })}\n`).join('');
    // Serialised so lines from concurrent tables never interleave.
    const next = this.#chain.then(() => this.#append(text));
    this.#chain = next.catch(() => undefined);
    return next.then(() => {
      this.#count += letters.length;
    });
  }

  async #append(text: string): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    const fh = await open(this.path, 'a');
    try {
      await fh.write(text);
      await fh.sync();
    } finally {
      await fh.close();
    }
  }
}
