// Circuit breaker around the store. Closed: calls go through; `failureThreshold` consecutive failures
// open it. Open: calls fail fast until the open period ends, then one probe is let through
// (half-open); success closes it, failure re-opens it for twice as long (up to maxOpenMs).
import type { Clock } from '../clock.ts';

export type BreakerState = 'closed' | 'open' | 'half-open';

export class BreakerOpenError extends Error {
  readonly retryInMs: number;
  constructor(retryInMs: number) {
    super(`circuit breaker open; next probe in ${retryInMs} ms`);
    this.name = 'BreakerOpenError';
    this.retryInMs = retryInMs;
  }
}

export interface BreakerOptions {
  readonly failureThreshold: number;
  readonly openMs: number;
  readonly maxOpenMs: number;
  readonly clock: Clock;
  readonly onChange?: (state: BreakerState) => void;
}

export class CircuitBreaker {
  readonly #opts: BreakerOptions;
  #state: BreakerState = 'closed';
  #failures = 0;
  #openFor: number;
  #openUntil = 0;
  #probing = false;

  constructor(opts: BreakerOptions) {
    this.#opts = opts;
    this.#openFor = opts.openMs;
  }

  get state(): BreakerState {
    return this.#state;
  }

  async call<T>(fn: () => Promise<T>): Promise<T> {
    this.#admit();
    try {
      const result = await fn();
      this.#succeeded();
      return result;
    } catch (err) {
      this.#failed();
      throw err;
    } finally {
      this.#probing = false;
    }
  }

  /** Lets a call through, or throws BreakerOpenError while open (and for all but one probe when half-open). */
  #admit(): void {
    const now = this.#opts.clock.now();
    if (this.#state === 'open') {
      if (now < this.#openUntil) throw new BreakerOpenError(this.#openUntil - now);
      this.#set('half-open');
    }
    if (this.#state === 'half-open') {
      // One probe at a time; the others wait a little and try again.
      if (this.#probing) throw new BreakerOpenError(Math.min(this.#opts.openMs, 100));
      this.#probing = true;
    }
  }

  #succeeded(): void {
    this.#failures = 0;
    this.#openFor = this.#opts.openMs;
    if (this.#state !== 'closed') this.#set('closed');
  }

  #failed(): void {
    this.#failures++;
    if (this.#state === 'half-open') {
      this.#openFor = Math.min(this.#openFor * 2, this.#opts.maxOpenMs);
      this.#open();
    } else if (this.#state === 'closed' && this.#failures >= this.#opts.failureThreshold) this.#open();
  }

  #open(): void {
    this.#openUntil = this.#opts.clock.now() + this.#openFor;
    this.#set('open');
  }

  #set(state: BreakerState): void {
    this.#state = state;
    this.#opts.onChange?.(state);
  }
}
