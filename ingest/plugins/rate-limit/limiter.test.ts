import { describe, expect, it } from 'vitest';
import { createRateLimiter } from './limiter.ts';

const T0 = Date.UTC(2025, 0, 1, 23, 59, 0);

describe('rate limiter', () => {
  it('an IP never seen before is allowed (no count today is not over the limit)', async () => {
    const l = createRateLimiter({ perDay: 5, burst: 5 });
    expect(await l.hit('203.0.113.1', T0)).toEqual({ ok: true });
  });

  it('burst: a token bucket of `burst` per second per IP, refilled continuously', async () => {
    const l = createRateLimiter({ perDay: 0, burst: 2 });
    expect((await l.hit('a', T0)).ok).toBe(true);
    expect((await l.hit('a', T0)).ok).toBe(true);
    expect(await l.hit('a', T0)).toEqual({ ok: false, reason: 'burst', retryAfterS: 1 });
    expect((await l.hit('b', T0)).ok).toBe(true);
    expect((await l.hit('a', T0 + 500)).ok).toBe(true);
  });

  it('daily quota resets at UTC midnight and says when', async () => {
    const l = createRateLimiter({ perDay: 1, burst: 0 });
    expect((await l.hit('a', T0)).ok).toBe(true);
    expect(await l.hit('a', T0)).toEqual({ ok: false, reason: 'daily', retryAfterS: 60 });
    expect((await l.hit('a', T0 + 61_000)).ok).toBe(true);
  });

  it('memory is bounded: keys beyond maxKeys are evicted, not accumulated', async () => {
    const l = createRateLimiter({ perDay: 1, burst: 1, maxKeys: 10 });
    for (let i = 0; i < 1000; i++) await l.hit(`ip${i}`, T0);
    expect((await l.hit('ip0', T0)).ok).toBe(true); // evicted, so counted afresh
  });

  it('0 disables both limits', async () => {
    const l = createRateLimiter({ perDay: 0, burst: 0 });
    for (let i = 0; i < 100; i++) expect((await l.hit('a', T0)).ok).toBe(true);
  });
});
