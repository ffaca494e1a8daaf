import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { type Handler, WorkQueue } from './queue.ts';

const options = { workers: 2, backoffBaseMs: 10, backoffMaxMs: 40 };

function deferred() {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe('WorkQueue', () => {
  it('deduplicates a key added many times while it waits', async () => {
    const seen: string[] = [];
    const q = new WorkQueue({ ...options, handler: async (k) => void seen.push(k) });
    q.add('a');
    q.add('a');
    q.add('b');
    q.add('a');
    expect(q.depth).toBe(2);
    q.start();
    await delay(20);
    expect(seen).toEqual(['a', 'b']);
  });

  it('never runs one key twice at once; an add during its reconcile runs it once more afterwards', async () => {
    const gate = deferred();
    let running = 0;
    let maxRunning = 0;
    let calls = 0;
    const handler: Handler = async () => {
      running++;
      calls++;
      maxRunning = Math.max(maxRunning, running);
      if (calls === 1) await gate.promise;
      running--;
      return undefined;
    };
    const q = new WorkQueue({ ...options, workers: 4, handler });
    q.start();
    q.add('a');
    await delay(5);
    q.add('a');
    q.add('a');
    expect(q.inFlight).toBe(1);
    gate.resolve();
    await delay(20);
    expect(calls).toBe(2);
    expect(maxRunning).toBe(1);
  });

  it('retries a failing key with exponential backoff capped at the maximum', async () => {
    const times: number[] = [];
    const q = new WorkQueue({
      ...options,
      handler: async () => {
        times.push(Date.now());
        if (times.length < 5) throw new Error('boom');
        return undefined;
      },
    });
    expect([1, 2, 3, 4, 5].map((n) => q.backoffMs(n))).toEqual([10, 20, 40, 40, 40]);
    q.start();
    q.add('a');
    await delay(250);
    expect(times).toHaveLength(5);
    const gaps = times.slice(1).map((t, i) => t - (times[i] ?? 0));
    expect(gaps[0]).toBeGreaterThanOrEqual(9);
    expect(gaps[1]).toBeGreaterThanOrEqual(19);
    expect(q.failures('a')).toBe(0);
  });

  it('requeues after the delay a reconcile asks for; the earliest pending delay wins', async () => {
    let calls = 0;
    const q = new WorkQueue({
      ...options,
      handler: async () => (++calls === 1 ? { requeueAfterMs: 30 } : undefined),
    });
    q.start();
    q.add('a');
    await delay(10);
    expect(calls).toBe(1);
    q.addAfter('a', 1000);
    await delay(60);
    expect(calls).toBe(2);
  });

  it('bounds concurrency by the number of workers', async () => {
    let running = 0;
    let maxRunning = 0;
    const q = new WorkQueue({
      ...options,
      handler: async () => {
        maxRunning = Math.max(maxRunning, ++running);
        await delay(10);
        running--;
        return undefined;
      },
    });
    q.start();
    for (const k of ['a', 'b', 'c', 'd', 'e']) q.add(k);
    await delay(80);
    expect(maxRunning).toBe(2);
  });

  it('shuts down gracefully: waits for in-flight work, drops waiting and delayed keys', async () => {
    const seen: string[] = [];
    const q = new WorkQueue({
      ...options,
      workers: 1,
      handler: async (k) => {
        await delay(20);
        seen.push(k);
        return undefined;
      },
    });
    q.start();
    q.add('a');
    q.add('b');
    q.addAfter('c', 5);
    await delay(2);
    expect(await q.shutdown(1000)).toBe(true);
    q.add('d');
    await delay(30);
    expect(seen).toEqual(['a']);
  });

  it('reports a shutdown that timed out', async () => {
    const q = new WorkQueue({ ...options, handler: () => new Promise(() => undefined) });
    q.start();
    q.add('a');
    expect(await q.shutdown(20)).toBe(false);
  });
});
