import { describe, expect, it } from 'vitest';
import { bodyPieces, joinedLines } from './sql.ts';

const line = (i: number, pad = 0) => Buffer.from(`{"i":${i}${' '.repeat(pad)}}\n`);

describe('JSONEachRow lines in pieces', () => {
  it('joins small pieces a few at a time, in order, never past the piece size unless one piece is larger', () => {
    const lines = Array.from({ length: 1000 }, (_, i) => line(i));
    const pieces = [...bodyPieces(lines, 1024)];
    expect(Buffer.concat(pieces).equals(Buffer.concat(lines))).toBe(true);
    expect(pieces.length).toBeGreaterThan(1);
    for (const p of pieces) expect(p.length).toBeLessThanOrEqual(1024);
    const big = line(1, 5000);
    const mixed = [...bodyPieces([line(0), big, line(2)], 1024)];
    expect(mixed).toHaveLength(3);
    expect(mixed[1]).toBe(big); // passed on as it is, not copied
  });

  it('passes one buffer on as it is, and yields nothing for no lines', () => {
    const one = Buffer.concat([line(0), line(1)]);
    expect([...bodyPieces(one)]).toEqual([one]);
    expect([...bodyPieces([])]).toEqual([]);
  });

  it('joins pieces into one buffer for a store that takes the body whole', () => {
    const a = line(0);
    expect(joinedLines(a)).toBe(a);
    expect(joinedLines([a])).toBe(a);
    expect(joinedLines([a, line(1)]).toString()).toBe('{"i":0}\n{"i":1}\n');
  });
});
