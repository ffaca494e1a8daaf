// The queue's persistence and adoption, with Node's real Web Locks API and the storage test double.
import { describe, expect, it } from 'vitest';
import { memoryStorage } from '../testing/memory-storage.ts';
import { AGREE, createQueue, type Ev } from './queue.ts';

const ev = (n: number): Ev => ({ eid: `e${n}`, ename: 'x' });
const storedEvents = (data: Map<string, string>) =>
  [...data.entries()]
    .filter(([k]) => k.startsWith('_trk_q.'))
    .flatMap(([, v]) => (JSON.parse(v) as { evs: Ev[] }).evs);

describe('queue', () => {
  it('persists unsent events while storage is allowed, and deletes them once acknowledged', () => {
    const store = memoryStorage();
    const q = createQueue(store, 10, () => {}, Date.now);
    q.add(ev(1));
    q.add(ev(2));
    expect(storedEvents(store.data)).toEqual([ev(1), ev(2)]);
    const batch = q.take(10);
    q.remove(batch);
    expect(storedEvents(store.data)).toEqual([]);
    expect(q.size()).toBe(0);
    q.close();
  });

  it('keeps events in memory only when storage is not allowed', () => {
    const store = memoryStorage(false);
    const q = createQueue(store, 10, () => {}, Date.now);
    q.add(ev(1));
    expect(store.data.size).toBe(0);
    expect(q.size()).toBe(1);
    q.close();
  });

  it('drops the oldest unsent event when full, reporting it', () => {
    const dropped: Ev[] = [];
    const q = createQueue(memoryStorage(), 2, (e) => dropped.push(e), Date.now);
    q.add(ev(1));
    expect(q.take(1)).toEqual([ev(1)]); // in flight: never the one dropped
    q.add(ev(2));
    q.add(ev(3));
    expect(dropped).toEqual([ev(2)]);
    expect(q.size()).toBe(2);
    q.close();
  });

  it('sends an event of a refused batch alone, then batches the rest again', () => {
    const q = createQueue(memoryStorage(), 10, () => {}, Date.now);
    for (const n of [1, 2, 3]) q.add(ev(n));
    const batch = q.take(10);
    q.release(batch, true);
    expect(q.take(10)).toEqual([ev(1)]);
    expect(q.take(10)).toEqual([ev(2)]);
    q.add(ev(4));
    expect(q.take(10)).toEqual([ev(3)]);
    expect(q.take(10)).toEqual([ev(4)]);
    q.close();
  });

  it('adopts the queue of a page that is gone, never that of a page still alive', async () => {
    const store = memoryStorage();
    const alive = createQueue(store, 10, () => {}, Date.now);
    alive.add(ev(1));
    // a page that closed: its queue is stored, but no lock is held for it any more
    store.data.set('_trk_q.gone-page', JSON.stringify({ at: Date.now(), evs: [ev(2), ev(3)] }));
    const next = createQueue(store, 10, () => {}, Date.now);
    await next.adopt();
    expect(next.take(10)).toEqual([ev(2), ev(3)]);
    expect(store.data.has('_trk_q.gone-page')).toBe(false);
    expect(alive.take(10)).toEqual([ev(1)]);
    alive.close();
    // once the first page stopped (its lock is released asynchronously), its queue is free to adopt
    const third = createQueue(store, 10, () => {}, Date.now);
    await expect
      .poll(async () => {
        await third.adopt();
        return third.size();
      })
      .toBe(1);
    expect(third.take(10)).toEqual([ev(1)]);
    next.close();
    third.close();
  });

  // A consent record goes to another route than events: batched with them, it would be stored as an event.
  it('sends a consent record alone, also from a queue adopted from storage', async () => {
    const store = memoryStorage();
    const agree = { cflags: 3, [AGREE]: 1 };
    store.data.set('_trk_q.gone-page', JSON.stringify({ at: Date.now(), evs: [ev(1), agree, ev(2)] }));
    const q = createQueue(store, 10, () => {}, Date.now);
    await q.adopt();
    q.add(ev(3));
    expect(q.take(10)).toEqual([ev(1), ev(2), ev(3)]);
    expect(q.take(10)).toEqual([agree]);
    q.close();
  });

  it('strips what a rewrite removes from stored events too', () => {
    const store = memoryStorage();
    const q = createQueue(store, 10, () => {}, Date.now);
    q.add({ eid: 'e1', vid: 'v' });
    q.rewrite(({ vid: _vid, ...rest }) => rest);
    expect(storedEvents(store.data)).toEqual([{ eid: 'e1' }]);
    q.close();
  });
});
