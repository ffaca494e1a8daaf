// Exact reaction percentiles take the rank a histogram takes, so the exact p99 falls in the bucket the
// histogram reports; a trace line cut short while it was written is left out.
import { describe, expect, it } from 'vitest';
import { exact, parseReactions, slowest } from './reactions.ts';

describe('exact reaction percentiles', () => {
  it.each([
    { values: [5], p50: 5, p99: 5, max: 5 },
    { values: [4, 1, 3, 2], p50: 2, p99: 4, max: 4 },
    // 250 reactions: the p99 is the third slowest, as the histogram's cumulative count puts it.
    { values: Array.from({ length: 250 }, (_, i) => i + 1), p50: 125, p99: 248, max: 250 },
  ])('of $values.length values', ({ values, p50, p99, max }) => {
    expect(exact(values)).toEqual({ count: values.length, p50, p99, max });
  });

  it('reads the trace and leaves out a line cut short', () => {
    const text = '{"cluster":"ns/a","step":"status","ms":1.5,"waitedMs":0,"at":1}\n{"cluster":"ns/b","st';
    expect(parseReactions(text).map((r) => r.cluster)).toEqual(['ns/a']);
  });
});

describe('slowest', () => {
  it('splits each into its parts and names the steps that took longest before the first write', () => {
    const records = [
      { cluster: 'ns/a', step: 'status', ms: 30.8, waitedMs: 0.1, statusWaitMs: 0, at: 1 },
      {
        cluster: 'ns/b',
        step: 'status',
        ms: 62.5,
        waitedMs: 0,
        statusWaitMs: 0,
        steps: { parse: 0.2, keeper: 19.6, clickhouse: 9.8, schema: 1.2, volumes: 3.5 },
        at: 2,
      },
    ];
    expect(slowest(records)).toBe(
      'status 62.5 (wait 0.0, in reconcile 62.5, previous status 0.0; keeper 19.6, clickhouse 9.8, volumes 3.5); ' +
        'status 30.8 (wait 0.1, in reconcile 30.7, previous status 0.0)',
    );
  });
});
