// The event queue: every event waits here until the ingest acknowledged it, so a failed send is retried
// with the same event (same eid) instead of being rebuilt. With storage allowed, each page keeps its
// queue under its own key; a later page adopts queues whose page is gone (it no longer holds its Web
// Lock), so events made offline on one page are sent from the next.
import { uuid } from './ids.ts';
import type { Storage } from './storage.ts';

export type Ev = Record<string, unknown>;

/** Marks a consent record: it travels alone, to the ingest's consent route instead of the events route. */
export const AGREE = '$agree';

interface Item {
  ev: Ev;
  sending: boolean;
  /** Sent alone: it was part of a batch the ingest refused, so one of them is bad. */
  solo: boolean;
}

export interface Queue {
  add(ev: Ev): void;
  /** Up to `n` events ready to send (one, if the first is solo), now marked as sending. */
  take(n: number): Ev[];
  /** Acknowledged or refused for good: remove. */
  remove(evs: readonly Ev[]): void;
  /** Not delivered: ready again; `solo` sends each alone from now on. */
  release(evs: readonly Ev[], solo: boolean): void;
  /** Events not yet removed, and those among them not being sent. */
  size(): number;
  ready(): number;
  /** Rewrites every queued event (consent withdrawn: identifiers stripped). */
  rewrite(fn: (ev: Ev) => Ev): void;
  /** Writes the queue to storage (or deletes it there when storage is not allowed). */
  persist(): void;
  /** Takes over the queues of pages that are gone. */
  adopt(): Promise<void>;
  /** Lets a later page adopt what is left. */
  close(): void;
}

const KEY = 'q.';
const LOCK = '_trk_q.';
// Without the Web Locks API a page cannot tell a closed page from an idle one; it adopts a queue only
// once it has not changed for this long.
const STALE_MS = 10 * 60_000;

interface Locks {
  request(name: string, cb: () => Promise<void>): Promise<void>;
  query(): Promise<{ held?: { name?: string }[] }>;
}

const locks = (): Locks | undefined => (navigator as Navigator & { locks?: Locks }).locks;

export function createQueue(store: Storage, max: number, onFull: (ev: Ev) => void, now: () => number): Queue {
  const page = uuid();
  // held until the page is gone (or the tracker stopped): tells other pages this queue is alive
  let closed = false;
  let release = () => {};
  const hold = (r: () => void) => {
    if (closed) r();
    else release = r;
  };
  void locks()?.request(LOCK + page, () => new Promise<void>(hold));
  let items: Item[] = [];
  const q: Queue = {
    add(ev) {
      items.push({ ev, sending: false, solo: false });
      const over = items.length - max;
      for (let i = 0; over > 0 && i < over; i++) {
        const idx = items.findIndex((it) => !it.sending);
        if (idx < 0) break;
        onFull(items.splice(idx, 1)[0]!.ev);
      }
      q.persist();
    },
    take(n) {
      const ready = items.filter((it) => !it.sending);
      // the mark is in the event, not only in the item: a queue adopted from storage keeps it
      const alone = (it: Item) => it.solo || AGREE in it.ev;
      const first = ready[0];
      const batch = first && alone(first) ? [first] : ready.slice(0, n).filter((it) => !alone(it));
      for (const it of batch) it.sending = true;
      return batch.map((it) => it.ev);
    },
    remove(evs) {
      items = items.filter((it) => !evs.includes(it.ev));
      q.persist();
    },
    release(evs, solo) {
      for (const it of items) {
        if (!evs.includes(it.ev)) continue;
        it.sending = false;
        it.solo ||= solo;
      }
    },
    size: () => items.length,
    ready: () => items.filter((it) => !it.sending).length,
    rewrite(fn) {
      for (const it of items) it.ev = fn(it.ev);
      q.persist();
    },
    persist() {
      if (items.length === 0 || !store.allowed) store.remove(KEY + page);
      else store.set(KEY + page, JSON.stringify({ at: now(), evs: items.map((it) => it.ev) }));
    },
    async adopt() {
      const run = async () => {
        if (!store.allowed) return;
        const held = new Set((await locks()?.query())?.held?.map((l) => l.name));
        const orphan = (key: string) =>
          key.startsWith(KEY) && key !== KEY + page && !held.has(LOCK + key.slice(KEY.length));
        for (const key of store.keys().filter(orphan)) {
          const evs = parse(store.get(key), locks() ? Infinity : now() - STALE_MS);
          if (evs === undefined) continue;
          store.remove(key);
          for (const ev of evs) items.push({ ev, sending: false, solo: false });
        }
        q.persist();
      };
      // one page at a time, so two pages opened together do not both adopt the same queue
      const l = locks();
      await (l ? l.request(`${LOCK}adopt`, run) : run());
    },
    close() {
      closed = true;
      release();
    },
  };
  return q;
}

/** The events of a stored queue, or undefined when it changed after `before` (its page may be alive). */
function parse(text: string | null, before: number): Ev[] | undefined {
  try {
    const v = JSON.parse(text ?? 'null') as { at?: number; evs?: Ev[] } | null;
    if (v && (v.at ?? 0) > before) return undefined;
    return Array.isArray(v?.evs) ? v.evs.filter((e) => typeof e === 'object' && e !== null) : [];
  } catch {
    return [];
  }
}
