// A cluster's status writes go out one at a time, in order; statuses computed while one is on its way
// are coalesced to the newest, which is always sent; a replaced status still reports its reaction (as the
// newest is sent) and its Events (after the newest is stored), and a failure is handed to the controller.
import { describe, expect, it } from 'vitest';
import type { StatusWrite } from '../reconcile/state.ts';
import { StatusLanes } from './status-lane.ts';

/** A status write whose patch is answered when the test says so; everything it does is logged. */
function statusWrite(name: string, log: string[]) {
  let answer: ((ok: boolean) => void) | undefined;
  const write: StatusWrite = {
    patch: () =>
      new Promise<void>((resolve, reject) => {
        log.push(`patch ${name}`);
        answer = (ok) => (ok ? resolve() : reject(new Error(`patch ${name}: 500`)));
      }),
    tell: async () => void log.push(`tell ${name}`),
    replaced: () => void log.push(`replaced ${name}`),
  };
  return { write, answer: (ok = true) => answer?.(ok) };
}

function lanes(log: string[]) {
  const waits: number[] = [];
  const lane = new StatusLanes({
    onSend: (_key, ms) => void waits.push(ms),
    onWritten: (key) => void log.push(`written ${key}`),
    onFailed: (key, err) => void log.push(`failed ${key}: ${(err as Error).message}`),
  });
  return { lane, waits };
}

const settle = () => new Promise((r) => setImmediate(r));

describe('the status lane', () => {
  it('sends at once when nothing is on its way, and the next only after its answer', async () => {
    const log: string[] = [];
    const { lane } = lanes(log);
    const s1 = statusWrite('s1', log);
    const s2 = statusWrite('s2', log);
    lane.send('ns/a', s1.write);
    lane.send('ns/a', s2.write);
    await settle();
    expect(log).toEqual(['patch s1']);
    s1.answer();
    await settle();
    expect(log).toEqual(['patch s1', 'written ns/a', 'tell s1', 'patch s2']);
    s2.answer();
    expect(await lane.drain(1000)).toBe(true);
    expect(log.slice(4)).toEqual(['written ns/a', 'tell s2']);
  });

  it('sends only the newest of the statuses computed meanwhile; the replaced report as it goes, and tell after it is stored', async () => {
    const log: string[] = [];
    const { lane, waits } = lanes(log);
    const [s1, s2, s3, s4] = ['s1', 's2', 's3', 's4'].map((n) => statusWrite(n, log));
    lane.send('ns/a', s1!.write);
    for (const s of [s2!, s3!, s4!]) lane.send('ns/a', s.write);
    s1!.answer();
    await settle();
    expect(log).toEqual(['patch s1', 'written ns/a', 'tell s1', 'replaced s2', 'replaced s3', 'patch s4']);
    s4!.answer();
    expect(await lane.drain(1000)).toBe(true);
    expect(log.slice(6)).toEqual(['written ns/a', 'tell s2', 'tell s3', 'tell s4']);
    expect(waits).toHaveLength(4);
    expect(lane.size).toBe(0);
  });

  it('keeps clusters apart: one cluster waiting does not hold another', async () => {
    const log: string[] = [];
    const { lane } = lanes(log);
    const a1 = statusWrite('a1', log);
    const a2 = statusWrite('a2', log);
    const b1 = statusWrite('b1', log);
    lane.send('ns/a', a1.write);
    lane.send('ns/a', a2.write);
    lane.send('ns/b', b1.write);
    await settle();
    expect(log).toEqual(['patch a1', 'patch b1']);
    for (const s of [a1, b1]) s.answer();
    await settle();
    a2.answer();
    expect(await lane.drain(1000)).toBe(true);
    expect(log).toContain('patch a2');
  });

  it('hands a failure to the controller with no Events, and still sends the status computed meanwhile', async () => {
    const log: string[] = [];
    const { lane } = lanes(log);
    const s1 = statusWrite('s1', log);
    const s2 = statusWrite('s2', log);
    lane.send('ns/a', s1.write);
    lane.send('ns/a', s2.write);
    s1.answer(false);
    await settle();
    expect(log).toEqual(['patch s1', 'failed ns/a: patch s1: 500', 'patch s2']);
    s2.answer();
    expect(await lane.drain(1000)).toBe(true);
    expect(log.slice(3)).toEqual(['written ns/a', 'tell s2']);
  });

  it('drains the writes that waited for one on its way, and says when they did not settle', async () => {
    const log: string[] = [];
    const { lane } = lanes(log);
    const s1 = statusWrite('s1', log);
    const s2 = statusWrite('s2', log);
    lane.send('ns/a', s1.write);
    lane.send('ns/a', s2.write);
    const drained = lane.drain(60_000);
    s1.answer();
    await settle();
    s2.answer();
    expect(await drained).toBe(true);
    expect(log).toContain('tell s2');
    lane.send('ns/a', statusWrite('s3', log).write);
    expect(await lane.drain(1)).toBe(false);
  });
});
