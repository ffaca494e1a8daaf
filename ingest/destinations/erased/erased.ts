// What the destinations know of erase requests: the marks (marks.ts) in memory for every forwarder of
// this process, and durable (file-marks.ts) for the next start. A mark is recorded before its erase
// request can be reported done, and kept while an event of its person may still wait in a backlog:
//   - at least KEEP_MS after the request (events acknowledged before it, still in the spool, are fed to
//     the backlogs once stored, and the erasure itself gives up after the same time), and
//   - until every destination's forwarder has found its backlog empty since then, which proves that
//     every event queued before was handled (a backlog stuck for weeks keeps its marks for weeks).
// Events of the person stored after the request are dropped too while the mark lives: the erring side
// is an event not forwarded, never a forwarded event of someone who asked to be forgotten.
import type { Hasher } from '../../privacy/hash.ts';
import type { StoredEvent } from '../contract.ts';
import type { MarkChange, MarkStore } from './file-marks.ts';
import { type ErasedMark, type ErasedRequest, ErasedSet, markOf } from './marks.ts';

/** The least time a mark is kept: the erasure worker's own give-up time. */
export const KEEP_MS = 7 * 24 * 3600_000;

export class ErasedIds {
  readonly #store: MarkStore;
  readonly #hasher: Hasher;
  readonly #set: ErasedSet;
  /** Told of every mark applied after the load (one another instance recorded, on a shared store). */
  #onMark: (mark: ErasedMark) => void = () => undefined;

  private constructor(store: MarkStore, hasher: Hasher) {
    this.#store = store;
    this.#hasher = hasher;
    this.#set = new ErasedSet(hasher);
  }

  /** The marks of the store, loaded (an unreadable one is logged and left: it may be repaired). */
  static async open(store: MarkStore, hasher: Hasher, log: (msg: string) => void): Promise<ErasedIds> {
    const ids = new ErasedIds(store, hasher);
    await store.load(
      (change) => ids.#apply(change),
      (name, problem) => log(`erased ids ${store.where}: ${name}: ${problem}: left in place, not applied`),
    );
    return ids;
  }

  /**
   * On a store other instances share, resolves once every mark recorded before the call is applied here
   * (a forwarder waits for it before each request: an erase request another instance reported done is
   * never sent by this one); else at once.
   */
  readonly sync = async (): Promise<void> => {
    await this.#store.sync?.();
  };

  close(): Promise<void> {
    return this.#store.close();
  }

  get size(): number {
    return this.#set.size;
  }

  #apply(change: MarkChange): void {
    if ('mark' in change) {
      this.#set.add(change.mark);
      this.#onMark(change.mark);
    } else this.#set.remove(change.removed);
  }

  /** `fn` is called for every mark applied from now on (the dead letters of this instance follow it). */
  onMark(fn: (mark: ErasedMark) => void): void {
    this.#onMark = fn;
  }

  readonly matches = (row: StoredEvent): boolean => this.#set.matches(row);

  /** Records the request's mark durably, then applies it; resolves once both are done. */
  async record(request: ErasedRequest): Promise<ErasedMark> {
    const mark = markOf(request, this.#hasher);
    await this.#store.put(mark);
    this.#set.add(mark);
    return mark;
  }

  /**
   * Removes the marks no backlog can need any more: older than KEEP_MS, and every backlog found empty
   * since (`emptyAt` of each forwarder; undefined for one not found empty since the start keeps them all).
   */
  async prune(now: number, emptyAt: readonly (number | undefined)[]): Promise<number> {
    const drained = Math.min(...emptyAt.map((t) => t ?? Number.NEGATIVE_INFINITY));
    const stale = this.#set.marks().filter((m) => prunable(m, now, drained));
    for (const mark of stale) {
      await this.#store.remove(mark.requestId);
      this.#set.remove(mark.requestId);
    }
    return stale.length;
  }
}

function prunable(mark: ErasedMark, now: number, drained: number): boolean {
  const kept = mark.askedAt + KEEP_MS;
  return now > kept && drained > kept;
}
