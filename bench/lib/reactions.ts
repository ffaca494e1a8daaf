// Exact reaction percentiles from the operator's reaction trace (operator/controller/reaction-trace.ts,
// one JSON line per reconcile that wrote), where the histogram gives only bucket bounds.
import type { ReactionRecord } from '../../operator/controller/reaction-trace.ts';

export type Exact = {
  readonly count: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
};

/** The records of a trace file's text (a line cut short by a write still on its way is left out). */
export function parseReactions(text: string): ReactionRecord[] {
  return text.split('\n').flatMap((line) => {
    try {
      return line === '' ? [] : [JSON.parse(line) as ReactionRecord];
    } catch {
      return [];
    }
  });
}

/**
 * The `q` quantile by the rank a histogram uses (the smallest value with at least q of them at or below
 * it), so an exact p99 falls in the bucket the histogram reports.
 */
const rank = (sorted: readonly number[], q: number) =>
  sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;

export function exact(values: readonly number[]): Exact {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    count: sorted.length,
    p50: rank(sorted, 0.5),
    p99: rank(sorted, 0.99),
    max: sorted.at(-1) ?? Number.NaN,
  };
}

const ms = (n: number) => (Number.isNaN(n) ? '-' : n.toFixed(1));
export const exactText = (e: Exact) => `${ms(e.p50)}/${ms(e.p99)}/${ms(e.max)} ms`;

/** Per step that wrote first: `status 98: 4.1/230.5/260.0 ms` (p50/p99/max). */
export function exactBySteps(records: readonly ReactionRecord[]): string {
  const steps = [...new Set(records.map((r) => r.step))];
  return steps
    .map((step) => {
      const e = exact(records.filter((r) => r.step === step).map((r) => r.ms));
      return `${step} ${e.count}: ${exactText(e)}`;
    })
    .join(', ');
}

/** The steps that took longest before the first write (1 ms or more, three at most): `; keeper 19.6, schema 7.1`. */
function longestSteps(r: ReactionRecord): string {
  const steps = Object.entries(r.steps ?? {})
    .filter(([, t]) => t >= 1)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3);
  return steps.length === 0 ? '' : `; ${steps.map(([step, t]) => `${step} ${ms(t)}`).join(', ')}`;
}

/**
 * The slowest reactions (those at or above the p99), each split into its parts: waiting to start (for a
 * worker or the cluster's running reconcile), then inside the reconcile, of which a status write's wait
 * for the answer to the cluster's previous one.
 */
export function slowest(records: readonly ReactionRecord[], n = 5): string {
  return [...records]
    .sort((a, b) => b.ms - a.ms)
    .slice(0, n)
    .map((r) => {
      const status = r.statusWaitMs === undefined ? '' : `, previous status ${ms(r.statusWaitMs)}`;
      return `${r.step} ${ms(r.ms)} (wait ${ms(r.waitedMs)}, in reconcile ${ms(r.ms - r.waitedMs)}${status}${longestSteps(r)})`;
    })
    .join('; ');
}
