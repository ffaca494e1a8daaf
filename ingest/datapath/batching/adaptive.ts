// The adaptive strategy's controller. It keeps exponentially weighted moving averages of the arrival
// rate and of flush latency, and aims to spend at most ~1/`DUTY` of the time flushing a table:
//   interval = clamp(latency × DUTY, MIN_INTERVAL, maxDelayMs)
//   rows     = clamp(rate × interval, 1, maxRows)
// Slow flushes make batches bigger and rarer; fast ones make them small and fresh. Both outputs are
// bounded by the table's configuration, so the controller can never drive a table to tiny batches.

const ALPHA = 0.2;
const DUTY = 10;
const MIN_INTERVAL_MS = 50;

export class AdaptiveController {
  #rate = 0; // rows per second
  #latencyMs = 0;
  #lastArrival: number | undefined;

  observeArrival(rows: number, now: number): void {
    if (this.#lastArrival !== undefined) {
      const dt = Math.max(now - this.#lastArrival, 1) / 1000;
      this.#rate = ewma(this.#rate, rows / dt);
    }
    this.#lastArrival = now;
  }

  observeFlush(latencyMs: number): void {
    this.#latencyMs = this.#latencyMs === 0 ? latencyMs : ewma(this.#latencyMs, latencyMs);
  }

  target(maxRows: number, maxDelayMs: number): { rows: number; delayMs: number } {
    const delayMs = clamp(this.#latencyMs * DUTY, Math.min(MIN_INTERVAL_MS, maxDelayMs), maxDelayMs);
    const rows = clamp(Math.ceil((this.#rate * delayMs) / 1000), 1, maxRows);
    return { rows, delayMs };
  }

  get snapshot(): { rate: number; latencyMs: number } {
    return { rate: this.#rate, latencyMs: this.#latencyMs };
  }
}

const ewma = (prev: number, sample: number): number => prev + ALPHA * (sample - prev);
const clamp = (v: number, lo: number, hi: number): number => Math.min(Math.max(v, lo), hi);
