import { describe, expect, it } from 'vitest';
import { backoffMs, TokenBucket } from './pace.ts';

describe('backoff', () => {
  it('is full jitter under a doubling ceiling, capped', () => {
    expect(backoffMs(0, 100, 10_000, () => 0.999)).toBe(99);
    expect(backoffMs(3, 100, 10_000, () => 0.999)).toBe(799);
    expect(backoffMs(20, 100, 10_000, () => 0.999)).toBe(9_990);
    expect(backoffMs(5, 100, 10_000, () => 0)).toBe(0);
  });
});

describe('the rate limit', () => {
  it('grants a second of burst, then one request per 1/rate', () => {
    let now = 0;
    const bucket = new TokenBucket(2, () => now);
    expect([bucket.tryTake(), bucket.tryTake()]).toEqual([0, 0]);
    expect(bucket.tryTake()).toBe(500);
    now = 499;
    const wait = bucket.tryTake();
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(2);
    now = 500;
    expect(bucket.tryTake()).toBe(0);
  });

  it('allows at least one request at a time below one per second', () => {
    let now = 0;
    const bucket = new TokenBucket(0.5, () => now);
    expect(bucket.tryTake()).toBe(0);
    expect(bucket.tryTake()).toBe(2000);
    now = 2000;
    expect(bucket.tryTake()).toBe(0);
  });
});
