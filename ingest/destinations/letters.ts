// A destination's dead letters, <destinations.dir>/<name>/dead-letters.jsonl, one JSON object per line,
// appended and fsynced before the events leave the backlog:
//   {"at", "destination", "reason", "event": <row>}     an event refused for good, or too old to send
//   {"at", "destination", "reason", "dropped": n, "firstEid", "lastEid", "from", "to"}
//                                                       events never queued (backlog full or unwritable):
//                                                       the count, ids and time span of the batch, not the
//                                                       rows (they are in ClickHouse, where a replay reads them)
import { mkdir, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { StoredEvent } from './contract.ts';

export class DeadLetters {
  readonly path: string;
  readonly #destination: string;
  #count = 0;
  #chain: Promise<void> = Promise.resolve();

  constructor(path: string, destination: string) {
    this.path = path;
    this.#destination = destination;
  }

  /** Lines written since start. */
  get count(): number {
    return this.#count;
  }

  refused(events: readonly StoredEvent[], reason: string): Promise<void> {
    return this.#write(events.map((event) => ({ reason, event })));
  }

  dropped(events: readonly StoredEvent[], reason: string): Promise<void> {
    const first = events[0];
    const last = events.at(-1);
    if (first === undefined || last === undefined) return Promise.resolve();
    return this.#write([
      {
        reason,
        dropped: events.length,
        firstEid: first.eid,
        lastEid: last.eid,
        from: first.created_at,
        to: last.created_at,
      },
    ]);
  }

  #write(entries: readonly object[]): Promise<void> {
    const at = new Date().toISOString();
    const text = entries
      .map((e) => `${JSON.stringify({ at, destination: this.#destination, ...e })}\n`)
      .join('');
    // Serialised so lines never interleave.
    const next = this.#chain.then(() => append(this.path, text));
    this.#chain = next.catch(() => undefined);
    return next.then(() => {
      this.#count += entries.length;
    });
  }
}

async function append(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const fh = await open(path, 'a');
  try {
    await fh.write(text);
    await fh.sync();
  } finally {
    await fh.close();
  }
}
