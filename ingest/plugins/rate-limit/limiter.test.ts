import { describe, expect, it } from 'vitest';
import { createRateLimiter, drawToken } from './limiter.ts';

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

  it('a failing shared store does not fail the request: this process counts it, and says so', async () => {
    const errors: unknown[] = [];
    const down = async () => {
      throw new Error('nats: connection closed');
    };
    const l = createRateLimiter(
      { perDay: 3, burst: 2 },
      {
        burst: { take: down },
        daily: { increment: down, close: async () => {} },
        onSharedError: (e) => errors.push(e),
      },
    );
    const verdicts = [];
    for (let i = 0; i < 3; i++) verdicts.push(await l.hit('a', T0));
    expect(verdicts.map((v) => v.ok)).toEqual([true, true, false]);
    expect(errors.length).toBeGreaterThanOrEqual(3);
  });

  it('a bucket never refills for time going backwards (a replica whose clock is behind)', () => {
    const { next } = drawToken({ tokens: 0, at: T0 }, T0 - 5000, 10);
    expect(next).toEqual({ tokens: 0, at: T0 });
    expect(drawToken({ tokens: 0, at: T0 }, T0 + 100, 10).verdict).toEqual({ ok: true });
  });
});

describe('rate limiter with a shared store that does not answer', () => {
  it('counts the hit locally once timeoutMs is spent (a frozen NATS answered only after its own timeout)', async () => {
    const never = () => new Promise<never>(() => undefined);
    const errors: unknown[] = [];
    const l = createRateLimiter(
      { perDay: 5, burst: 1 },
      {
        burst: { take: never },
        daily: { increment: never, close: async () => {} },
        onSharedError: (err) => errors.push(err),
        timeoutMs: 50,
      },
    );
    expect(await l.hit('a', T0)).toEqual({ ok: true });
    expect(await l.hit('a', T0)).toEqual({ ok: false, reason: 'burst', retryAfterS: 1 });
    expect(errors.length).toBeGreaterThan(0);
  });
});
