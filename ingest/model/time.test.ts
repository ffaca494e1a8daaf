import { describe, expect, it } from 'vitest';
import { NOW } from './testing/normalise.ts';
import { parseClientTime, withinSkew } from './time.ts';

describe('time', () => {
  it.each([
    ['2025-05-01T12:00:00Z', NOW],
    ['2025-05-01T14:00:00+02:00', NOW],
    [NOW, NOW],
    [String(NOW), NOW],
    ['yesterday', undefined],
    [1.5, undefined],
    [-1, undefined],
  ])('parseClientTime(%s)', (v, expected) => expect(parseClientTime(v)).toBe(expected));
  it('withinSkew', () => {
    expect(withinSkew(NOW - 10, NOW, 100)).toBe(NOW - 10);
    expect(withinSkew(NOW - 1000, NOW, 100)).toBeUndefined();
  });
});
