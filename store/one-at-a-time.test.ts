import { describe, expect, it } from 'vitest';
import { OneAtATime } from './one-at-a-time.ts';

/** A call that ends when the test says so, recording when it started. */
function gate(log: string[], name: string) {
  let open!: () => void;
  let fail!: (err: Error) => void;
  const ended = new Promise<string>((resolve, reject) => {
    open = () => resolve(name);
    fail = reject;
  });
  const call = () => {
    log.push(`start ${name}`);
    return ended;
  };
  return { call, open, fail };
}

describe('OneAtATime', () => {
  it('starts a call only once the one before it has ended, in the order they came', async () => {
    const queue = new OneAtATime();
    const log: string[] = [];
    const a = gate(log, 'a');
    const b = gate(log, 'b');
    const c = gate(log, 'c');
    const results = [queue.run(a.call), queue.run(b.call), queue.run(c.call)];
    await Promise.resolve();
    expect(log).toEqual(['start a']);
    expect(queue.pending).toBe(3);
    a.open();
    await results[0];
    await new Promise(setImmediate);
    expect(log).toEqual(['start a', 'start b']);
    b.open();
    c.open();
    expect(await Promise.all(results)).toEqual(['a', 'b', 'c']);
    expect(queue.pending).toBe(0);
  });

  it('runs the next call after one that failed, and hands the failure to its caller only', async () => {
    const queue = new OneAtATime();
    const log: string[] = [];
    const a = gate(log, 'a');
    const b = gate(log, 'b');
    const first = queue.run(a.call);
    const second = queue.run(b.call);
    a.fail(new Error('boom'));
    await expect(first).rejects.toThrow('boom');
    b.open();
    await expect(second).resolves.toBe('b');
    expect(log).toEqual(['start a', 'start b']);
  });

  it('counts a call that throws before returning a promise, and goes on', async () => {
    const queue = new OneAtATime();
    await expect(
      queue.run(() => {
        throw new Error('sync');
      }),
    ).rejects.toThrow('sync');
    expect(queue.pending).toBe(0);
    await expect(queue.run(async () => 1)).resolves.toBe(1);
  });

  it('says when every call queued so far has ended', async () => {
    const queue = new OneAtATime();
    const log: string[] = [];
    const a = gate(log, 'a');
    void queue.run(a.call);
    let drained = false;
    const done = queue.drained().then(() => {
      drained = true;
    });
    await new Promise(setImmediate);
    expect(drained).toBe(false);
    a.open();
    await done;
    expect(drained).toBe(true);
  });
});
