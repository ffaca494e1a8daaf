import { describe, expect, it } from 'vitest';
import { clip } from './context.ts';
import { pageKey } from './navigation.ts';

describe('clip', () => {
  it.each([
    ['short', 10, 'short'],
    ['exactly ten', 11, 'exactly ten'],
    ['abcdef', 3, 'abc'],
    // 'buy now 😀': cutting after 9 code units would leave half of the emoji (a lone surrogate)
    ['buy now \u{1F600}!', 9, 'buy now '],
    ['buy now \u{1F600}!', 10, 'buy now \u{1F600}'],
  ])('clip(%j, %i) = %j', (s, max, want) => {
    const out = clip(s, max);
    expect(out).toBe(want);
    expect(out.isWellFormed()).toBe(true);
  });
});

describe('pageKey', () => {
  it.each([
    [{ pathname: '/a', hash: '' }, '/a'],
    [{ pathname: '/a', hash: '#section' }, '/a'],
    [{ pathname: '/', hash: '#/settings' }, '/#/settings'],
    [{ pathname: '/', hash: '#!/settings' }, '/#!/settings'],
  ])('%j → %s', (loc, key) => {
    expect(pageKey(loc)).toBe(key);
  });
});
