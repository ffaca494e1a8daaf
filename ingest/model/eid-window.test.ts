import { describe, expect, it } from 'vitest';
import { EidWindow } from './eid-window.ts';

const ev = (eid: string, clientEid = true) => ({ eid, clientEid });

describe('EidWindow', () => {
  it('admits a client eid once; a retry after a failed store is admitted again', async () => {
    const w = new EidWindow({ windowMs: 60_000, maxIds: 1000 });
    const first = await w.admit([ev('a')]);
    expect(first.fresh).toEqual([ev('a')]);
    first.settle(false); // the append failed (503): the client's retry must be stored
    const retry = await w.admit([ev('a')]);
    expect(retry.fresh).toEqual([ev('a')]);
    retry.settle(true);
    expect((await w.admit([ev('a')])).fresh).toEqual([]);
  });

  it('a duplicate in flight waits for the first attempt and follows its outcome', async () => {
    const w = new EidWindow({ windowMs: 60_000, maxIds: 1000 });
    const first = await w.admit([ev('b')]);
    const second = w.admit([ev('b')]);
    first.settle(true);
    expect((await second).fresh).toEqual([]);
  });

  it('server-generated eids always pass; windowMs 0 turns the window off', async () => {
    const w = new EidWindow({ windowMs: 60_000, maxIds: 1000 });
    (await w.admit([ev('c', false)])).settle(true);
    expect((await w.admit([ev('c', false)])).fresh).toHaveLength(1);
    const off = new EidWindow({ windowMs: 0, maxIds: 1000 });
    (await off.admit([ev('d')])).settle(true);
    expect((await off.admit([ev('d')])).fresh).toHaveLength(1);
  });

  it('reloads the ids received within the window, after the given precondition', async () => {
    const w = new EidWindow({ windowMs: 60_000, maxIds: 1000 });
    await w.reload(Promise.resolve(), async () => [
      { eid: 'recent', ageMs: 1000 },
      { eid: 'expired', ageMs: 120_000 },
    ]);
    expect((await w.admit([ev('recent')])).fresh).toEqual([]);
    expect((await w.admit([ev('expired')])).fresh).toEqual([ev('expired')]);
  });
});
