import { LRUCache } from 'lru-cache';
import { describe, expect, it } from 'vitest';
import { growingLru, LRU_CALL } from './lru.ts';

describe('growingLru', () => {
  it('holds at most max entries, evicting the least recently used first', () => {
    const c = growingLru<string, number>({ max: 3 });
    c.set('a', 1);
    c.set('b', 2);
    c.set('c', 3);
    expect(c.get('a')).toBe(1); // a is now the most recently used; b the least
    c.set('d', 4);
    expect(c.size).toBe(3);
    expect([...c.keys()].sort()).toEqual(['a', 'c', 'd']);
    for (let i = 0; i < 1000; i++) c.set(`k${i}`, i);
    expect(c.size).toBe(3);
    expect([...c.keys()].sort()).toEqual(['k997', 'k998', 'k999']);
  });

  it('replacing a held key neither grows it nor evicts another', () => {
    const c = growingLru<string, number>({ max: 2 });
    c.set('a', 1);
    c.set('b', 2);
    c.set('a', 10);
    expect(c.size).toBe(2);
    expect(c.get('a')).toBe(10);
    expect(c.get('b')).toBe(2);
  });

  it('keeps the bound it was given, and the TTL', () => {
    const c = growingLru<string, number>({ max: 200_000, ttl: 60_000 });
    expect(c.maxSize).toBe(200_000);
    expect(c.ttl).toBe(60_000);
    c.set('a', 1);
    expect(c.getRemainingTTL('a')).toBeGreaterThan(0);
    expect(growingLru<string, number>({ max: 5 }).ttl).toBe(0);
  });

  it('allocates nothing for its bound up front, where lru-cache given max does', () => {
    const heapGrowth = (make: () => unknown) => {
      const before = process.memoryUsage().heapUsed;
      const kept = make();
      const grown = process.memoryUsage().heapUsed - before;
      expect(kept).toBeDefined();
      return grown;
    };
    const MiB = 1024 * 1024;
    expect(heapGrowth(() => new LRUCache<string, number>({ max: 1_000_000, ttl: 1000 }))).toBeGreaterThan(
      8 * MiB,
    );
    expect(heapGrowth(() => growingLru<string, number>({ max: 1_000_000, ttl: 1000 }))).toBeLessThan(MiB);
  });

  it('refuses a bound that is not a positive integer', () => {
    expect(() => growingLru({ max: 0 })).toThrow(/positive integer/);
    expect(() => growingLru({ max: 1.5 })).toThrow(/positive integer/);
  });
});

describe('LRU_CALL', () => {
  it('serves as the options of get, has and set on caches of both kinds, which leave it without options', () => {
    const caches = [
      new LRUCache<string, number>({ max: 2 }),
      growingLru<string, number>({ max: 2, ttl: 60_000 }),
    ];
    for (const cache of caches) {
      for (const k of ['a', 'b', 'c']) cache.set(k, k.charCodeAt(0), LRU_CALL);
      expect(cache.get('a', LRU_CALL)).toBeUndefined();
      expect(cache.get('c', LRU_CALL)).toBe(99);
      expect(cache.has('b', LRU_CALL)).toBe(true);
      expect(cache.size).toBe(2);
    }
    expect(Object.entries(LRU_CALL)).toEqual([['status', undefined]]);
  });
});
