// When does a table queue flush? A pure function of the queue's state, the table's settings and the
// time, so every strategy is tested with a hand-driven clock.
import type { AdaptiveController } from './adaptive.ts';
import type { TableSettings } from './defaults.ts';

export interface QueueState {
  readonly rows: number;
  readonly bytes: number;
  /** When the oldest pending row was appended. */
  readonly oldestAt: number | undefined;
}

export interface Decision {
  readonly flush: boolean;
  /** When to look again if nothing else happens (a time-based trigger). */
  readonly wakeAt?: number;
}

const NOW: Decision = { flush: true };
const WAIT: Decision = { flush: false };

export function decide(
  settings: TableSettings,
  state: QueueState,
  now: number,
  adaptive?: AdaptiveController,
): Decision {
  if (state.rows === 0) return WAIT;
  // More than one batch waiting means we are behind whatever the strategy: keep flushing.
  if (state.rows >= settings.maxRows || state.bytes >= settings.maxBytes) return NOW;
  const oldest = state.oldestAt ?? now;
  switch (settings.strategy) {
    case 'immediate':
      return NOW;
    case 'size':
    case 'memory':
      // Only the thresholds above trigger these two (that is what they mean); close() drains what is left,
      // and what a previous run left is flushed at start (TableQueue.flushBy).
      return WAIT;
    case 'time':
    case 'hybrid':
      return byAge(oldest, settings.maxDelayMs, now);
    case 'adaptive': {
      const target = (adaptive ?? fallback).target(settings.maxRows, settings.maxDelayMs);
      if (state.rows >= target.rows) return NOW;
      return byAge(oldest, target.delayMs, now);
    }
  }
}

function byAge(oldest: number, delayMs: number, now: number): Decision {
  const due = oldest + delayMs;
  return due <= now ? NOW : { flush: false, wakeAt: due };
}

const fallback = {
  target: (maxRows: number, maxDelayMs: number) => ({ rows: maxRows, delayMs: maxDelayMs }),
};
