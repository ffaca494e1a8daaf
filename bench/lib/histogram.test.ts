import { describe, expect, it } from 'vitest';
import { histogramQuantiles } from './histogram.ts';

// Cumulative buckets as prom-client prints them: per step, counts at or under each bound.
const text = [
  'tracker_operator_reaction_seconds_bucket{le="0.025",step="credentials"} 9',
  'tracker_operator_reaction_seconds_bucket{le="0.25",step="credentials"} 10',
  'tracker_operator_reaction_seconds_bucket{le="+Inf",step="credentials"} 10',
  'tracker_operator_reaction_seconds_bucket{le="0.025",step="clickhouse"} 10',
  'tracker_operator_reaction_seconds_bucket{le="0.25",step="clickhouse"} 10',
  'tracker_operator_reaction_seconds_bucket{le="+Inf",step="clickhouse"} 10',
  'tracker_operator_reaction_seconds_bucket{le="0.025",step="status"} 0',
  'tracker_operator_reaction_seconds_bucket{le="0.25",step="status"} 0',
  'tracker_operator_reaction_seconds_bucket{le="+Inf",step="status"} 80',
].join('\n');
const name = 'tracker_operator_reaction_seconds';

describe('histogramQuantiles', () => {
  it('sums every label set when not filtered, and says when a quantile is past the last bound', () => {
    expect(histogramQuantiles(text, name)).toEqual({
      count: 100,
      p50: '> 250 ms',
      p99: '> 250 ms',
      max: '> 250 ms',
    });
  });

  it('keeps only the label sets with one of the values given', () => {
    expect(histogramQuantiles(text, name, { step: ['credentials', 'clickhouse'] })).toEqual({
      count: 20,
      p50: '≤ 25 ms',
      p99: '≤ 250 ms',
      max: '≤ 250 ms',
    });
    expect(histogramQuantiles(text, name, { step: 'clickhouse' })).toMatchObject({
      count: 10,
      p99: '≤ 25 ms',
    });
  });

  it('answers "-" for a histogram with no observations', () => {
    expect(histogramQuantiles(text, name, { step: 'ingest' })).toEqual({
      count: 0,
      p50: '-',
      p99: '-',
      max: '-',
    });
  });
});
