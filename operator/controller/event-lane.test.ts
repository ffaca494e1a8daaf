// Handed-over work runs at most `slots` at a time, in the order it was handed over; a failure frees its
// slot and is not thrown at whoever waits for the lane.
import { describe, expect, it } from 'vitest';
import { EventLane } from './event-lane.ts';

describe('the Event lane', () => {
  it('runs at most its slots at once, the rest in order as slots free up', async () => {
    const lane = new EventLane(2);
    const started: number[] = [];
    const finish: (() => void)[] = [];
    for (const n of [1, 2, 3, 4])
      lane.add(() => {
        started.push(n);
        return new Promise<void>((resolve) => finish.push(resolve));
      });
    await new Promise((r) => setImmediate(r));
    expect(started).toEqual([1, 2]);
    finish[0]?.();
    await new Promise((r) => setImmediate(r));
    expect(started).toEqual([1, 2, 3]);
    expect(lane.pending).toHaveLength(3);
    for (const f of finish) f();
    await new Promise((r) => setImmediate(r));
    finish[3]?.();
    await Promise.all(lane.pending);
    expect(started).toEqual([1, 2, 3, 4]);
    expect(lane.pending).toHaveLength(0);
  });

  it('frees the slot of failed work', async () => {
    const lane = new EventLane(1);
    lane.add(() => Promise.reject(new Error('apiserver down')));
    let ran = false;
    lane.add(async () => {
      ran = true;
    });
    await Promise.all(lane.pending);
    expect(ran).toBe(true);
  });
});
