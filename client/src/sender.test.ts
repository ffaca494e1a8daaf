// Delivery logic with a scripted transport and fake timers: batching, retries that reuse the same events
// (same eids), backoff and Retry-After, splitting a refused batch, and page-hide beacons.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { memoryStorage } from '../testing/memory-storage.ts';
import { scriptedTransport } from '../testing/scripted-transport.ts';
import { createQueue, type Ev } from './queue.ts';
import { createSender, type SenderOptions } from './sender.ts';
import type { Result } from './transport.ts';

const OK: Result = { ok: true };
const DOWN: Result = { ok: false };
const eids = (batches: Ev[][]) => batches.map((b) => b.map((e) => e.eid));

function setup(answer: (evs: readonly Ev[], attempt: number) => Result, o: Partial<SenderOptions> = {}) {
  const store = memoryStorage();
  const queue = createQueue(store, 100, () => {}, Date.now);
  const transport = scriptedTransport(answer);
  const dropped: [Ev, string][] = [];
  const sender = createSender(queue, transport, {
    batchSize: 3,
    flushMs: 1000,
    retryMs: 1000,
    retryMaxMs: 8000,
    onDrop: (e, err) => dropped.push([e, err]),
    persistent: () => store.allowed,
    ...o,
  });
  const add = (...ns: number[]) => {
    for (const n of ns) {
      queue.add({ eid: `e${n}`, ...(n < 0 ? { bad: true } : {}) });
      sender.schedule();
    }
  };
  return { store, queue, transport, sender, dropped, add };
}

describe('sender', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    // the top of the jitter range, so backoff delays are exact
    vi.spyOn(Math, 'random').mockReturnValue(0.999_999);
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it('sends a full batch at once and a partial batch after flushMs', async () => {
    const { transport, add } = setup(() => OK);
    add(1, 2, 3);
    await vi.advanceTimersByTimeAsync(0);
    expect(eids(transport.sent)).toEqual([['e1', 'e2', 'e3']]);
    add(4);
    await vi.advanceTimersByTimeAsync(999);
    expect(transport.sent).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(eids(transport.sent)).toEqual([['e1', 'e2', 'e3'], ['e4']]);
  });

  it('retries the same events (same eids) with exponential backoff until the ingest is back', async () => {
    const { transport, queue, add } = setup((_evs, attempt) => (attempt <= 3 ? DOWN : OK));
    add(1);
    await vi.advanceTimersByTimeAsync(1000); // first attempt
    await vi.advanceTimersByTimeAsync(1000); // +1 s: second
    expect(transport.sent).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1999);
    expect(transport.sent).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1); // +2 s: third
    await vi.advanceTimersByTimeAsync(4000); // +4 s: fourth, accepted
    expect(eids(transport.sent)).toEqual([['e1'], ['e1'], ['e1'], ['e1']]);
    expect(queue.size()).toBe(0);
  });

  it('retries on its backoff even when a partial batch is waiting for a longer flushMs', async () => {
    // regression: the retry timer was not armed while the flushMs timer of a queued event was pending
    const { transport, sender, add } = setup((_evs, attempt) => (attempt === 1 ? DOWN : OK), {
      flushMs: 60_000,
    });
    add(1);
    await sender.flush();
    add(2);
    await vi.advanceTimersByTimeAsync(1000);
    expect(eids(transport.sent)).toEqual([['e1'], ['e1', 'e2']]);
  });

  it('waits at least the Retry-After the ingest asked for', async () => {
    const { transport, add } = setup((_evs, attempt) =>
      attempt === 1 ? { ok: false, retryMs: 5000, error: 'OVERLOADED' } : OK,
    );
    add(1);
    await vi.advanceTimersByTimeAsync(1000);
    await vi.advanceTimersByTimeAsync(4999);
    expect(transport.sent).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(transport.sent).toHaveLength(2);
  });

  it('flush() retries at once, ignoring the backoff (coming back online)', async () => {
    const { transport, sender, queue, add } = setup((_evs, attempt) => (attempt === 1 ? DOWN : OK));
    add(1);
    await vi.advanceTimersByTimeAsync(1000);
    await sender.flush();
    expect(eids(transport.sent)).toEqual([['e1'], ['e1']]);
    expect(queue.size()).toBe(0);
  });

  it.each([
    ['a full batch queued during the backoff', (s: ReturnType<typeof setup>) => s.add(2, 3)],
    ['the browser offline when its timer fires', () => vi.stubGlobal('navigator', { onLine: false })],
  ])('keeps sending after a run that had nothing to send (%s)', async (_name, meanwhile) => {
    // regression: a run that sent nothing finished before it was recorded as running, so every later
    // run, flush() included, returned that finished run and the page never sent again
    const s = setup((_evs, attempt) => (attempt === 1 ? DOWN : OK));
    s.add(1);
    await s.sender.flush(); // down: the next attempt waits for the backoff
    meanwhile(s);
    await vi.advanceTimersByTimeAsync(1000);
    vi.unstubAllGlobals(); // back online
    await s.sender.flush();
    expect(s.transport.sent.length).toBeGreaterThan(1);
    expect(s.queue.size()).toBe(0);
  });

  it('splits a batch refused as bad input and drops only the event refused on its own', async () => {
    const refuseBad = (evs: readonly Ev[]): Result =>
      evs.some((e) => e.bad) ? { ok: false, final: true, error: 'INVALID_EVENT' } : OK;
    const { transport, queue, dropped, add } = setup(refuseBad);
    add(1, -2, 3);
    await vi.advanceTimersByTimeAsync(0);
    expect(eids(transport.sent)).toEqual([['e1', 'e-2', 'e3'], ['e1'], ['e-2'], ['e3']]);
    expect(dropped).toEqual([[{ eid: 'e-2', bad: true }, 'INVALID_EVENT']]);
    expect(queue.size()).toBe(0);
  });

  it('passes the ingest’s message with its code to onDrop', async () => {
    // regression: only the code reached onDrop, so the console said "dropped: UNAUTHORIZED", not why
    const why: (string | undefined)[] = [];
    const refused: Result = { ok: false, final: true, error: 'UNAUTHORIZED', message: 'unknown site key' };
    const { add } = setup(() => refused, { onDrop: (_e, _code, message) => why.push(message) });
    add(1);
    await vi.advanceTimersByTimeAsync(1000);
    expect(why).toEqual(['unknown site key']);
  });

  it('hands ready events to the beacon on page hide; a refused beacon keeps them queued', async () => {
    const { transport, sender, queue, add } = setup(() => OK);
    add(1, 2);
    transport.beaconAccepts = false;
    sender.hide();
    expect(queue.size()).toBe(2);
    transport.beaconAccepts = true;
    sender.hide();
    expect(eids(transport.beacons)).toEqual([
      ['e1', 'e2'],
      ['e1', 'e2'],
    ]);
    expect(queue.size()).toBe(0);
    await vi.advanceTimersByTimeAsync(1000);
    expect(transport.sent).toHaveLength(0);
  });

  it('keeps events for the next page instead of a beacon when the ingest just failed', async () => {
    const { transport, sender, queue, store, add } = setup(() => DOWN);
    add(1);
    await vi.advanceTimersByTimeAsync(1000);
    sender.hide();
    expect(transport.beacons).toHaveLength(0);
    expect(queue.size()).toBe(1);
    // without storage the beacon is the last chance: used even so
    store.allowed = false;
    sender.hide();
    expect(eids(transport.beacons)).toEqual([['e1']]);
  });
});
