import { describe, expect, it } from 'vitest';
import { insertableValue, jsonColumn, MAX_ROW_DEPTH, TooDeepError } from './insertable.ts';

const text = (v: unknown) => JSON.stringify(insertableValue(v));

describe('insertable values', () => {
  it('replaces lone surrogates with U+FFFD in strings and keys', () => {
    expect(insertableValue('buy now \ud83d')).toBe('buy now \ufffd');
    expect(jsonColumn({ 'k\udc00': 'v\ud83d' })).toEqual({ 'k\ufffd': 'v\ufffd' });
    expect(insertableValue('ok 😀')).toBe('ok 😀');
  });

  it('one path per leaf; a dotted key and its nested spelling collide and the later one wins', () => {
    expect(jsonColumn({ 'page.title': 'x', page: { title: 'y' } })).toEqual({ 'page.title': 'y' });
    expect(jsonColumn({ page: { title: 'y' }, 'page.title': 'x' })).toEqual({ 'page.title': 'x' });
    expect(jsonColumn({ a: 1, 'a.b': 2, c: {} })).toEqual({ a: 1, 'a.b': 2, c: {} });
    expect(jsonColumn({ list: [{ 'b.c': 1, b: { c: 2 } }] })).toEqual({ list: [{ 'b.c': 2 }] });
  });

  it('writes integers beyond 2^53 in exponent form (read as Float64), others unchanged', () => {
    expect(text({ a: 2 ** 64, b: -(2 ** 63), c: 42, d: 1.5 })).toBe(
      '{"a":1.8446744073709552e+19,"b":-9.223372036854776e+18,"c":42,"d":1.5}',
    );
  });

  it(`refuses a row nested deeper than ${MAX_ROW_DEPTH} (the row is level 1, its columns level 2)`, () => {
    const nest = (levels: number, wrap: (v: unknown) => unknown) => {
      let v: unknown = 1;
      for (let i = 0; i < levels; i++) v = wrap(v);
      return v;
    };
    // n wrappers around a leaf in a column: the wrappers are levels 2..n+1, the leaf level n+2
    expect(() => insertableValue(nest(MAX_ROW_DEPTH - 1, (v) => ({ a: v })))).toThrow(TooDeepError);
    expect(() => insertableValue(nest(MAX_ROW_DEPTH - 2, (v) => ({ a: v })))).not.toThrow();
    expect(() => insertableValue(nest(MAX_ROW_DEPTH - 2, (v) => [v]))).not.toThrow();
    expect(() => insertableValue(nest(MAX_ROW_DEPTH / 2, (v) => [{ a: v }]))).toThrow(TooDeepError);
  });
});
