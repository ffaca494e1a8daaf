import { describe, expect, it, vi } from 'vitest';
import { hashOf, oncePerFrozen } from './hash.ts';

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
