import { describe, expect, it, vi } from 'vitest';
import { hashOf, oncePerFrozen, sameJson } from './hash.ts';

type Obj = { a: { b: number }; tag?: string };
const frozenDeep = <T>(value: T): T => {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) frozenDeep(v);
    Object.freeze(value);
  }
  return value;
};

describe('hashOf', () => {
  it('ignores key order and undefined values', () => {
    expect(hashOf({ a: 1, b: [1, { c: 2 }] })).toBe(hashOf({ b: [1, { c: 2 }], a: 1, d: undefined }));
    expect(hashOf({ a: 1 })).not.toBe(hashOf({ a: 2 }));
  });
});

describe('sameJson', () => {
  const condition = { type: 'Ready', status: 'True', reason: 'Available', lastTransitionTime: 't0' };
  it.each([
    ['equal scalars', 'a', 'a'],
    ['different strings', 'a', 'b'],
    ['a number and its string', 1, '1'],
    ['null and NaN (both null in JSON)', null, Number.NaN],
    ['a null value against an undefined one', { a: null }, { a: undefined }],
    ['key order', { a: 1, b: 2 }, { b: 2, a: 1 }],
    ['an undefined value against a missing key', { a: 1, d: undefined }, { a: 1 }],
    ['a missing key against an undefined value', { a: 1 }, { a: 1, d: undefined }],
    ['a null value against a missing key', { a: null }, {}],
    ['an extra key', { a: 1 }, { a: 1, b: 2 }],
    ['an empty array and an empty object', [], {}],
    ['arrays of different length', [1, 2], [1, 2, 3]],
    ['array order', [1, 2], [2, 1]],
    [
      'nested statuses that are equal',
      { conditions: [condition], x: { y: [1] } },
      { x: { y: [1] }, conditions: [{ ...condition }] },
    ],
    [
      'nested statuses that differ deep down',
      { conditions: [condition] },
      { conditions: [{ ...condition, lastTransitionTime: 't1' }] },
    ],
    ['an object and null', { a: 1 }, null],
  ])('agrees with hashOf: %s', (_what, a, b) => {
    expect(sameJson(a, b)).toBe(hashOf(a) === hashOf(b));
    expect(sameJson(b, a)).toBe(sameJson(a, b));
  });
});

describe('oncePerFrozen', () => {
  const tagged = () => {
    const derive = vi.fn((o: Obj): Obj => ({ ...o, tag: hashOf(o) }));
    return { derive, once: oncePerFrozen(derive) };
  };

  it('derives once per frozen object and returns the same result, frozen deep', () => {
    const { derive, once } = tagged();
    const input = frozenDeep({ a: { b: 1 } });
    const first = once(input);
    expect(once(input)).toBe(first);
    expect(derive).toHaveBeenCalledTimes(1);
    expect(Object.isFrozen(first)).toBe(true);
    expect(first).toEqual({ a: { b: 1 }, tag: hashOf(input) });
  });

  it('derives again for another frozen object, even an equal one', () => {
    const { derive, once } = tagged();
    once(frozenDeep({ a: { b: 1 } }));
    once(frozenDeep({ a: { b: 1 } }));
    expect(derive).toHaveBeenCalledTimes(2);
  });

  it('derives on every call for an object that is not frozen (it may have changed)', () => {
    const { derive, once } = tagged();
    const input: Obj = { a: { b: 1 } };
    const first = once(input);
    input.a.b = 2;
    const second = once(input);
    expect(derive).toHaveBeenCalledTimes(2);
    expect(second.tag).not.toBe(first.tag);
    expect(Object.isFrozen(second)).toBe(false);
  });
});
