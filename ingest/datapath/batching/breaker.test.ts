import { describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.ts';
import { BreakerOpenError, type BreakerState, CircuitBreaker } from './breaker.ts';

const failing = () => Promise.reject(new Error('down'));
const ok = () => Promise.resolve('ok');

describe('CircuitBreaker', () => {
  it('opens after the threshold, fails fast, probes once after the open period, and closes on success', async () => {
    const clock = new ManualClock();
    const changes: BreakerState[] = [];
    const breaker = new CircuitBreaker({
      failureThreshold: 3,
      openMs: 100,
      maxOpenMs: 400,
      clock,
      onChange: (s) => changes.push(s),
    });
    for (let i = 0; i < 3; i++) await expect(breaker.call(failing)).rejects.toThrow('down');
    expect(breaker.state).toBe('open');
    await expect(breaker.call(ok)).rejects.toBeInstanceOf(BreakerOpenError);
    await clock.advance(100);
    await expect(breaker.call(ok)).resolves.toBe('ok');
    expect(changes).toEqual(['open', 'half-open', 'closed']);
  });

  it('doubles the open period after a failed probe, up to the maximum', async () => {
    const clock = new ManualClock();
    const breaker = new CircuitBreaker({ failureThreshold: 1, openMs: 100, maxOpenMs: 250, clock });
    await expect(breaker.call(failing)).rejects.toThrow();
    const retryIn = async () =>
      (await breaker.call(ok).catch((e: BreakerOpenError) => e)) as BreakerOpenError;
    expect((await retryIn()).retryInMs).toBe(100);
    await clock.advance(100);
    await expect(breaker.call(failing)).rejects.toThrow('down');
    expect((await retryIn()).retryInMs).toBe(200);
    await clock.advance(200);
    await expect(breaker.call(failing)).rejects.toThrow('down');
    expect((await retryIn()).retryInMs).toBe(250);
  });

  it('lets a single probe through while half-open', async () => {
    const clock = new ManualClock();
    const breaker = new CircuitBreaker({ failureThreshold: 1, openMs: 10, maxOpenMs: 10, clock });
    await expect(breaker.call(failing)).rejects.toThrow();
    await clock.advance(10);
    let finish: (v: string) => void = () => undefined;
    const probe = breaker.call(() => new Promise<string>((r) => (finish = r)));
    await expect(breaker.call(ok)).rejects.toBeInstanceOf(BreakerOpenError);
    finish('done');
    await expect(probe).resolves.toBe('done');
    expect(breaker.state).toBe('closed');
  });
});
