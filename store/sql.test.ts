import { describe, expect, it } from 'vitest';
import { allPieces, bodyPieces, joinedLines } from './sql.ts';

const line = (i: number, pad = 0) => Buffer.from(`{"i":${i}${' '.repeat(pad)}}\n`);

describe('JSONEachRow lines in pieces', () => {
  it('joins small pieces a few at a time, in order, never past the piece size unless one piece is larger', async () => {
    const lines = Array.from({ length: 1000 }, (_, i) => line(i));
    const pieces = await allPieces(bodyPieces(lines, 1024));
    expect(Buffer.concat(pieces).equals(Buffer.concat(lines))).toBe(true);
    expect(pieces.length).toBeGreaterThan(1);
    for (const p of pieces) expect(p.length).toBeLessThanOrEqual(1024);
    const big = line(1, 5000);
    const mixed = await allPieces(bodyPieces([line(0), big, line(2)], 1024));
    expect(mixed).toHaveLength(3);
    expect(mixed[1]).toBe(big); // passed on as it is, not copied
    // an eighth of the piece size or more is not joined with its neighbours either (no copy of it)
    const medium = line(2, 200);
    const around = await allPieces(bodyPieces([line(0), line(1), medium, line(3)], 1024));
    expect(around.map((p) => p.toString())).toEqual([
      Buffer.concat([line(0), line(1)]).toString(),
      medium.toString(),
      line(3).toString(),
    ]);
    expect(around[1]).toBe(medium);
  });

  it('passes one buffer on as it is, and yields nothing for no lines', async () => {
    const one = Buffer.concat([line(0), line(1)]);
    expect(await allPieces(bodyPieces(one))).toEqual([one]);
    expect(await allPieces(bodyPieces([]))).toEqual([]);
  });

  it('joins pieces into one buffer for a store that takes the body whole', async () => {
    const a = line(0);
    expect(await joinedLines(a)).toBe(a);
    expect(await joinedLines([a])).toBe(a);
    expect((await joinedLines([a, line(1)])).toString()).toBe('{"i":0}\n{"i":1}\n');
  });

  it('reads pieces that arrive one at a time (a batch read from disk as it is sent), in order', async () => {
    async function* arriving() {
      for (let i = 0; i < 300; i++) yield line(i);
    }
    const pieces = await allPieces(bodyPieces(arriving(), 1024));
    expect(Buffer.concat(pieces).equals(Buffer.concat(Array.from({ length: 300 }, (_, i) => line(i))))).toBe(
      true,
    );
    expect((await joinedLines(arriving())).toString().split('\n')).toHaveLength(301);
  });
});
