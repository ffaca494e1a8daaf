// The record slabs: a view is never written over while it is lent, slabs come back and are reused.
import { describe, expect, it } from 'vitest';
import { RecordSlabs } from './slabs.ts';

const bytes = (n: number, fill: number) => Buffer.alloc(n, fill);

describe('RecordSlabs', () => {
  it('lends a copy: the source can be written over at once', () => {
    const slabs = new RecordSlabs({ slabBytes: 1024, keep: 2 });
    const source = Buffer.from('{"a":1}\n');
    const view = slabs.copy(source);
    source.fill(0);
    expect(view.toString()).toBe('{"a":1}\n');
    expect(slabs.stats).toEqual({ lent: 1, made: 1 });
  });

  it('never writes over a view that has not come back, however many copies follow', () => {
    const slabs = new RecordSlabs({ slabBytes: 1024, keep: 2 });
    const kept = slabs.copy(bytes(200, 0x61));
    for (let i = 0; i < 50; i++) slabs.giveBack(slabs.copy(bytes(200, 0x30 + (i % 10))));
    expect(kept.equals(bytes(200, 0x61))).toBe(true);
    // the first slab is still lent from: the copies after it went to a second one, reused over and over
    expect(slabs.stats).toEqual({ lent: 1, made: 2 });
  });

  it('reuses a slab once every view cut from it has come back, not before', () => {
    const slabs = new RecordSlabs({ slabBytes: 1024, keep: 2 });
    const first = [0, 1, 2, 3, 4].map((i) => slabs.copy(bytes(200, 0x30 + i))); // 1,000 bytes: slab one full
    const second = slabs.copy(bytes(200, 0x41)); // slab two
    for (const v of first.slice(0, 4)) slabs.giveBack(v);
    const third = [0, 1, 2, 3, 4].map(() => slabs.copy(bytes(200, 0x42))); // fills slab two, then a third
    expect(slabs.stats.made).toBe(3);
    expect(first[4]?.equals(bytes(200, 0x34))).toBe(true);
    expect(second.equals(bytes(200, 0x41))).toBe(true);
    slabs.giveBack(first[4] as Buffer); // slab one is free now
    slabs.giveBack(second);
    for (const v of third) slabs.giveBack(v);
    for (let i = 0; i < 20; i++) slabs.copy(bytes(200, 0x43));
    // 4,000 more bytes lent at once: the three slabs made so far and one more
    expect(slabs.stats).toEqual({ lent: 20, made: 4 });
  });

  it('keeps at most `keep` free slabs: one beyond them is made anew when needed again', () => {
    const slabs = new RecordSlabs({ slabBytes: 1024, keep: 1 });
    const burst = () => Array.from({ length: 15 }, () => slabs.copy(bytes(200, 0x61))); // three slabs
    for (const v of burst()) slabs.giveBack(v);
    expect(slabs.stats).toEqual({ lent: 0, made: 3 });
    // the current slab and one kept free serve again; the third was left to the collector
    for (const v of burst()) slabs.giveBack(v);
    expect(slabs.stats).toEqual({ lent: 0, made: 4 });
  });

  it('gives a copy of its own to what is larger than a quarter of a slab, and to nothing', () => {
    const slabs = new RecordSlabs({ slabBytes: 1024, keep: 2 });
    const big = slabs.copy(bytes(300, 0x62));
    expect(big.equals(bytes(300, 0x62))).toBe(true);
    expect(slabs.copy(Buffer.alloc(0)).length).toBe(0);
    slabs.giveBack(big);
    expect(slabs.stats).toEqual({ lent: 0, made: 0 });
  });
});
