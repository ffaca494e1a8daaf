// Rows the store refused even alone go here, one JSON object per line with the reason, and are
// counted; nothing is silently dropped. Written and fsynced before the batch is committed. An erase
// request has the file rewritten without its person's rows (erase), before it is done.
import { DurableLines } from '../durable-lines.ts';

export interface DeadLetter {
  readonly table: string;
  readonly token: string;
  readonly reason: string;
  /** The row exactly as it was spooled (a JSON text). */
  readonly row: string;
}

export class DeadLetterFile {
  readonly #lines: DurableLines;

  constructor(path: string) {
    this.#lines = new DurableLines(path);
  }

  get path(): string {
    return this.#lines.path;
  }

  /** Letters the file holds, an earlier run's included. */
  get count(): number {
    return this.#lines.count;
  }

  /**
   * Rewrites the file without the letters whose row `matches` names (the row as spooled, parsed; a row
   * that is not JSON is kept); resolves with how many went.
   */
  erase(matches: (row: unknown) => boolean): Promise<number> {
    return this.#lines.rewrite((entry) => {
      const row = (entry as { row?: unknown } | undefined)?.row;
      return typeof row === 'string' && matches(parsedRow(row));
    });
  }

  write(letters: readonly DeadLetter[], at: Date = new Date()): Promise<void> {
    const stamp = at.toISOString();
    return this.#lines.append(letters.map((l) => ({ at: stamp, ...l })));
  }
}

function parsedRow(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
