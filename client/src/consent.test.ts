import { describe, expect, it } from 'vitest';
import { DEFAULT_BITS, hasBit, toFlags } from './consent.ts';

describe('consent flags', () => {
  it.each([
    [{}, 0],
    [{ necessary: true }, 1],
    [{ analytics: true }, 2],
    [{ necessary: true, analytics: true }, 3],
    [{ necessary: true, analytics: false, marketing: true }, 5],
    [6, 6],
  ])('%j → cflags %i', (value, flags) => {
    expect(toFlags(value, DEFAULT_BITS)).toBe(flags);
  });

  it('keeps bits above 31 exact (no 32-bit bitwise arithmetic)', () => {
    const flags = toFlags({ late: true, analytics: true }, { analytics: 1, late: 40 });
    expect(flags).toBe(2 ** 40 + 2);
    expect(hasBit(flags, 40)).toBe(true);
    expect(hasBit(flags, 39)).toBe(false);
    expect(hasBit(flags, 1)).toBe(true);
  });

  it.each([
    [{ analytcs: true }, /unknown consent bit "analytcs"/],
    [-1, /bad cflags -1/],
    [1.5, /bad cflags 1.5/],
  ])('refuses %j', (value, message) => {
    expect(() => toFlags(value, DEFAULT_BITS)).toThrow(message);
  });
});
