// The status writes of every TrackerCluster, one on its way per cluster at a time. Two status patches of one
// cluster sent together could be stored in either order (separate connections, separate apiserver
// handlers), and the older one stored last would stay, so a cluster's next status goes out only once the
// previous one was answered. While it waits, a newer status of the same cluster replaces it: only the
// newest computed status is ever sent after the answer, never a stale one, and the last one is always sent.
// The reconcile that computed a status never waits here (its cluster's next reconcile can start at once).
// A replaced status still counts: its reaction is reported as the status that replaced it is sent (that
// is when its news reaches the apiserver), and its Events are recorded, in order, once that one is stored,
// so the Events are the same as if every status had been written.
import { settledWithin } from '../reconcile/background.ts';
import type { StatusWrite } from '../reconcile/state.ts';

export interface StatusLaneOptions {
  /**
   * A status is handed to the HTTP client after waiting `waitedMs` for its cluster's previous one, or
   * (`replaced`) a newer status that replaced it is.
   */
  readonly onSend?: (key: string, waitedMs: number, replaced: boolean) => void;
  readonly onWritten: (key: string) => void;
  /** The newest status failed: nothing of this batch is stored, the cluster's next reconcile decides. */
  readonly onFailed: (key: string, err: unknown) => void;
}

type Waiting = { readonly write: StatusWrite; readonly since: number };

export class StatusLanes {
  readonly #o: StatusLaneOptions;
  /** Per cluster with a write on its way: the statuses computed since, oldest first. */
  readonly #waiting = new Map<string, Waiting[]>();
  readonly #flights = new Map<string, Promise<void>>();

  constructor(options: StatusLaneOptions) {
    this.#o = options;
  }

  /** Clusters with a status write on its way. */
  get size(): number {
    return this.#flights.size;
  }

  /** Sends `write` now, or once the cluster's write on its way was answered; never waits for either. */
  send(key: string, write: StatusWrite): void {
    const entry = { write, since: performance.now() };
    const waiting = this.#waiting.get(key);
    if (waiting) waiting.push(entry);
    else this.#fly(key, [entry]);
  }

  /** Waits (bounded) until no status write is on its way, including those that waited for one. */
  async drain(timeoutMs: number): Promise<boolean> {
    const until = performance.now() + timeoutMs;
    while (this.#flights.size > 0) {
      const left = until - performance.now();
      if (left <= 0 || !(await settledWithin([...this.#flights.values()], left))) return false;
    }
    return true;
  }

  #fly(key: string, batch: readonly Waiting[]): void {
    this.#waiting.set(key, []);
    const flight = this.#write(key, batch).finally(() => {
      const next = this.#waiting.get(key) ?? [];
      this.#waiting.delete(key);
      this.#flights.delete(key);
      if (next.length > 0) this.#fly(key, next);
    });
    this.#flights.set(key, flight);
  }

  /** Sends the newest of `batch`; the older ones are replaced by it. */
  async #write(key: string, batch: readonly Waiting[]): Promise<void> {
    const now = performance.now();
    for (const [i, { write, since }] of batch.entries()) {
      const replaced = i < batch.length - 1;
      this.#o.onSend?.(key, now - since, replaced);
      if (replaced) write.replaced();
    }
    const newest = batch[batch.length - 1] as Waiting;
    try {
      await newest.write.patch();
    } catch (err) {
      this.#o.onFailed(key, err);
      return;
    }
    this.#o.onWritten(key);
    for (const { write } of batch) await write.tell();
  }
}
