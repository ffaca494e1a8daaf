// A destination's dead letters, <destinations.dir>/<name>/dead-letters.jsonl, one JSON object per line,
// appended and fsynced before the events leave the backlog:
//   {"at", "destination", "reason", "event": <row>}     an event refused for good, or too old to send
//   {"at", "destination", "reason", "dropped": n, "firstEid", "lastEid", "from", "to"}
//                                                       events never queued (backlog full or unwritable):
//                                                       the count, ids and time span of the batch, not the
//                                                       rows (they are in ClickHouse, where a replay reads them)
// The events of a person an erase request named are never written here, and those already written are
// removed when the request's mark arrives (erase): the file is rewritten without their lines.
import { DurableLines } from '../durable-lines.ts';
import type { StoredEvent } from './contract.ts';

export class DeadLetters {
  readonly #lines: DurableLines;
  readonly #destination: string;
  readonly #erased: (row: StoredEvent) => boolean;

  constructor(path: string, destination: string, erased: (row: StoredEvent) => boolean = () => false) {
    this.#lines = new DurableLines(path);
    this.#destination = destination;
    this.#erased = erased;
  }

  get path(): string {
    return this.#lines.path;
  }

  /** Lines the file holds, an earlier run's included. */
  get count(): number {
    return this.#lines.count;
  }

  /** Records the events (those of an erased person excepted: a mark may arrive while they are sent). */
  refused(events: readonly StoredEvent[], reason: string): Promise<void> {
    const kept = events.filter((e) => !this.#erased(e));
    return this.#write(kept.map((event) => ({ reason, event })));
  }

  /** Rewrites the file without the events `matches` names; resolves with how many lines went. */
  erase(matches: (row: StoredEvent) => boolean): Promise<number> {
    return this.#lines.rewrite((entry) => {
      const event = (entry as { event?: unknown } | undefined)?.event;
      return typeof event === 'object' && event !== null && matches(event as StoredEvent);
    });
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
    return this.#lines.append(entries.map((e) => ({ at, destination: this.#destination, ...e })));
  }
}
