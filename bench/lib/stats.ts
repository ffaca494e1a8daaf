// Latency percentiles of the load generators that measure on their own (open-loop, WebSocket, scenario
// scripts), reported in the shape wrk's results take (LoadResult).
import type { LoadResult } from './wrk.ts';

/** The `p` quantile (0–1) of ascending `sorted`; 0 when empty. */
export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
}

/** Requests answered in `seconds`, with their latencies (ms, any order), as one result. */
export function loadResult(latencies: number[], seconds: number, errors: number): LoadResult {
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    requests: sorted.length,
    rps: sorted.length / seconds,
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    p999: percentile(sorted, 0.999),
    errors,
  };
}
