// Pacing of one destination: a token bucket for its rate limit, and the wait between retries of the
// same events (exponential with full jitter, so replicas that failed together do not retry together).

/** Full jitter: uniform in [0, min(cap, base·2^attempt)). */
export function backoffMs(attempt: number, baseMs: number, capMs: number, random = Math.random): number {
  return Math.floor(random() * Math.min(capMs, baseMs * 2 ** Math.min(attempt, 30)));
}

/** Resolves after `ms`, or at once when `signal` aborts (the caller checks it). */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/** Requests per second with a burst of one second's worth (at least one request). */
export class TokenBucket {
  readonly #rate: number;
  readonly #burst: number;
  readonly #now: () => number;
  #tokens: number;
  #at: number;

  constructor(perSecond: number, now: () => number = Date.now) {
    this.#rate = perSecond / 1000;
    this.#burst = Math.max(1, perSecond);
    this.#now = now;
    this.#tokens = this.#burst;
    this.#at = now();
  }

  /** Milliseconds until a token is free (0: take it now). Takes it when free. */
  tryTake(): number {
    const now = this.#now();
    this.#tokens = Math.min(this.#burst, this.#tokens + (now - this.#at) * this.#rate);
    this.#at = now;
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return 0;
    }
    return Math.ceil((1 - this.#tokens) / this.#rate);
  }

  async take(signal: AbortSignal): Promise<void> {
    for (let wait = this.tryTake(); wait > 0 && !signal.aborted; wait = this.tryTake())
      await pause(wait, signal);
  }
}
