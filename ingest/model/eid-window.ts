// Client event ids seen recently, so a retried event is stored once. Clients retry after a timeout or a
// lost response with the same eid; the first attempt may already be stored, still in flight, or have
// failed. So an event whose client eid is
//   - in the window (acknowledged before): acknowledged again, not stored;
//   - in flight in another request: waits for it; stored there → not stored here; failed → stored here;
//   - repeated inside one batch: stored once.
// The window is in this process's memory: at most `maxIds` ids for at most `windowMs` each, oldest
// forgotten first. At start it is reloaded from the events table (rows marked client_eid, received within
// the window) once the rows recovered from the spool have been delivered, so it survives a restart;
// events wait for that reload for at most RELOAD_WAIT_MS (a store that is down at start cannot delay
// ingestion longer). Server-generated eids are unique and never enter the window.
import type { LRUCache } from 'lru-cache';
import { growingLru, LRU_CALL } from '../lru.ts';

export const RELOAD_WAIT_MS = 10_000;

export interface WindowOptions {
  readonly windowMs: number;
  readonly maxIds: number;
}

export interface Seen {
  readonly eid: string;
  /** How long ago it was received. */
  readonly ageMs: number;
}

export interface Admission<T> {
  /** The events to store. */
  readonly fresh: T[];
  /** Report whether storing `fresh` succeeded: only then do their eids enter the window. */
  settle(stored: boolean): void;
}

const settleNothing = (): void => {};

export class EidWindow {
  readonly #enabled: boolean;
  readonly #windowMs: number;
  readonly #seen: LRUCache<string, true>;
  readonly #inflight = new Map<string, Promise<boolean>>();
  #ready: Promise<void> = Promise.resolve();

  constructor(opts: WindowOptions) {
    this.#enabled = opts.windowMs > 0;
    this.#windowMs = opts.windowMs;
    this.#seen = growingLru({ max: opts.maxIds, ttl: Math.max(1, opts.windowMs) });
  }

  /** Reload from the store (after `before`, e.g. the spool's recovered rows delivered); bounded wait. */
  reload(before: Promise<void>, load: (windowMs: number, max: number) => Promise<Seen[]>): Promise<void> {
    if (!this.#enabled) return Promise.resolve();
    const loaded = before
      .then(() => load(this.#windowMs, this.#seen.maxSize))
      .then((rows) => {
        for (const r of [...rows].sort((a, b) => b.ageMs - a.ageMs)) {
          const ttl = this.#windowMs - r.ageMs;
          if (ttl > 0 && !this.#seen.has(r.eid)) this.#seen.set(r.eid, true, { ttl });
        }
      });
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, RELOAD_WAIT_MS);
      timer.unref();
    });
    this.#ready = Promise.race([loaded.catch(() => undefined), waited]).finally(() => clearTimeout(timer));
    return loaded;
  }

  /**
   * Without client eids (or with the window off) the answer is at hand: it is returned as it is, not as a
   * promise, so that most requests take no extra turn of the event loop's microtask queue here.
   */
  admit<T extends { readonly eid: string; readonly clientEid: boolean }>(
    events: readonly T[],
  ): Admission<T> | Promise<Admission<T>> {
    if (!this.#enabled || !events.some((e) => e.clientEid))
      return { fresh: [...events], settle: settleNothing };
    return this.#admitClaimed(events);
  }

  async #admitClaimed<T extends { readonly eid: string; readonly clientEid: boolean }>(
    events: readonly T[],
  ): Promise<Admission<T>> {
    await this.#ready;
    let settle: (stored: boolean) => void = () => {};
    const mine = new Promise<boolean>((resolve) => {
      settle = resolve;
    });
    const claimed: string[] = [];
    const fresh: T[] = [];
    for (const e of events) {
      if (!e.clientEid) fresh.push(e);
      else if (await this.#claim(e.eid, mine)) {
        claimed.push(e.eid);
        fresh.push(e);
      }
    }
    return {
      fresh,
      settle: (stored) => {
        for (const eid of claimed) {
          this.#inflight.delete(eid);
          if (stored) this.#seen.set(eid, true, LRU_CALL);
        }
        settle(stored);
      },
    };
  }

  /** True when this request now owns the eid (it must store it); false for a duplicate. */
  async #claim(eid: string, mine: Promise<boolean>): Promise<boolean> {
    for (;;) {
      if (this.#seen.has(eid, LRU_CALL)) return false;
      const running = this.#inflight.get(eid);
      if (running === mine) return false; // repeated inside this batch
      if (running === undefined) {
        this.#inflight.set(eid, mine);
        return true;
      }
      if (await running) return false;
    }
  }
}
