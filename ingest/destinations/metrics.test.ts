// The backlog gauges when a backlog cannot be read: a JetStream stream whose NATS is away failed the
// whole scrape (500 on /metrics), so every metric of the ingest went dark during a NATS outage.
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { type BacklogSource, createDestinationMetrics } from './metrics.ts';

const source = (name: string, pending: BacklogSource['pending']): BacklogSource => ({
  name,
  pending,
  lagSeconds: () => undefined,
});

describe('destination backlog gauges', () => {
  it('leave out a backlog that cannot be read and still answer the scrape', async () => {
    const registry = new Registry();
    createDestinationMetrics(registry, () => [
      source('crm', async () => ({ bytes: 120, rows: 3 })),
      source('shop', () => Promise.reject(new Error('TimeoutError: timeout'))),
    ]);
    const text = await registry.metrics();
    expect(text).toContain('tracker_destination_backlog_bytes{destination="crm"} 120');
    expect(text).toContain('tracker_destination_backlog_events{destination="crm"} 3');
    expect(text).not.toMatch(/backlog_\w+\{destination="shop"\}/);
  });
});
