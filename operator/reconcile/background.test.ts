// Background tasks: one task per owner at a time (single flight by key), a completion reported to the
// owner (the controller enqueues it), failures kept as results, forgotten results never coming back.
import { describe, expect, it } from 'vitest';
import { BackgroundTasks, type TaskResult } from './background.ts';

/** A task the test finishes by hand. */
function gate<T>() {
  let resolve: (v: T) => void = () => undefined;
  let reject: (e: Error) => void = () => undefined;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

function setup() {
  const settled: { owner: string; result: TaskResult<number>; changed: boolean }[] = [];
  const tasks = new BackgroundTasks<number>({
    onSettled: (owner, result, changed) => settled.push({ owner, result, changed }),
    same: (a, b) => a === b,
  });
  return { tasks, settled };
}

describe('background tasks', () => {
  it('runs one task per key at a time: asking again while it runs starts nothing', async () => {
    const { tasks, settled } = setup();
    const g = gate<number>();
    let runs = 0;
    const run = () => {
      runs++;
      return g.promise;
    };
    expect(tasks.start('ns/a', 'k1', run)).toBe(true);
    expect(tasks.start('ns/a', 'k1', run)).toBe(false);
    expect(tasks.running('ns/a')).toBe('k1');
    expect(tasks.last('ns/a')).toBeUndefined();
    g.resolve(7);
    await tasks.drain(1000);
    expect(runs).toBe(1);
    expect(tasks.running('ns/a')).toBeUndefined();
    expect(tasks.last('ns/a')).toMatchObject({ key: 'k1', ok: true, value: 7 });
    expect(settled).toEqual([{ owner: 'ns/a', result: tasks.last('ns/a'), changed: true }]);
  });

  it('reports a completion as changed only when the result differs from the last one', async () => {
    const { tasks, settled } = setup();
    for (const value of [1, 1, 2]) {
      tasks.start('ns/a', 'k1', async () => value);
      await tasks.drain(1000);
    }
    expect(settled.map((s) => s.changed)).toEqual([true, false, true]);
  });

  it('keeps a failure as the result, with its error, and reports it', async () => {
    const { tasks, settled } = setup();
    tasks.start('ns/a', 'k1', async () => {
      throw new Error('apply schema on h: boom');
    });
    await tasks.drain(1000);
    expect(tasks.last('ns/a')).toMatchObject({ key: 'k1', ok: false });
    expect(tasks.last('ns/a')?.error?.message).toBe('apply schema on h: boom');
    expect(settled[0]?.changed).toBe(true);
  });

  it('a task for another key starts only after the running one settled (never two at once per owner)', async () => {
    const { tasks, settled } = setup();
    const first = gate<number>();
    const order: string[] = [];
    tasks.start('ns/a', 'k1', async () => {
      order.push('k1 start');
      const v = await first.promise;
      order.push('k1 end');
      return v;
    });
    expect(
      tasks.start('ns/a', 'k2', async () => {
        order.push('k2 start');
        return 2;
      }),
    ).toBe(true);
    expect(tasks.running('ns/a')).toBe('k2');
    first.resolve(1);
    await tasks.drain(1000);
    expect(order).toEqual(['k1 start', 'k1 end', 'k2 start']);
    expect(tasks.last('ns/a')).toMatchObject({ key: 'k2', value: 2 });
    expect(settled.map((s) => s.result.key)).toEqual(['k1', 'k2']);
  });

  it('forget drops the result, and a task started before it does not bring one back', async () => {
    const { tasks, settled } = setup();
    tasks.start('ns/a', 'k1', async () => 1);
    await tasks.drain(1000);
    const g = gate<number>();
    tasks.start('ns/a', 'k2', () => g.promise);
    tasks.forget('ns/a');
    expect(tasks.last('ns/a')).toBeUndefined();
    g.resolve(2);
    await tasks.drain(1000);
    expect(tasks.last('ns/a')).toBeUndefined();
    // The owner is still told, so its next reconcile starts a fresh pass.
    expect(settled.at(-1)).toMatchObject({ owner: 'ns/a', changed: true });
  });

  it('lists the owners with a task or a result; a forgotten owner without a running task is gone', async () => {
    const { tasks } = setup();
    tasks.start('ns/a#sync-0', 'k', async () => 1);
    tasks.start('ns/a#sync-1', 'k', async () => 2);
    await tasks.drain(1000);
    expect(tasks.owners().sort()).toEqual(['ns/a#sync-0', 'ns/a#sync-1']);
    tasks.forget('ns/a#sync-0');
    expect(tasks.owners()).toEqual(['ns/a#sync-1']);
  });

  it('owners are independent', async () => {
    const { tasks } = setup();
    const g = gate<number>();
    tasks.start('ns/a', 'k', () => g.promise);
    expect(tasks.start('ns/b', 'k', async () => 5)).toBe(true);
    await new Promise((r) => setImmediate(r));
    expect(tasks.last('ns/b')).toMatchObject({ value: 5 });
    expect(tasks.running('ns/a')).toBe('k');
    g.resolve(1);
    expect(await tasks.drain(1000)).toBe(true);
  });
});
