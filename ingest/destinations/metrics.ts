// Prometheus metrics of the destinations, labelled by destination name, in the ingest's registry.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface BacklogSource {
  readonly name: string;
  pending(): Promise<{ bytes: number; rows?: number }>;
  /** Age of the newest event of the last request sent, when it was sent (how far behind forwarding is). */
  lagSeconds(): number | undefined;
}

export type DestinationMetrics = ReturnType<typeof createDestinationMetrics>;

/** Why an event will never reach a destination (tracker_destination_failed_events_total's reason). */
export const FAILED_REASONS = ['refused', 'expired', 'backlog_full', 'backlog_error'] as const;

/**
 * Every series an alert takes the increase() of, at 0 before anything happened: Prometheus' increase()
 * counts from a series' first sample, so a counter that appears already at 1 (the first event a
 * destination refused since the start) increases by nothing and the alert never fires.
 */
export function zeroDestinationSeries(metrics: DestinationMetrics, destination: string): void {
  metrics.sent.inc({ destination }, 0);
  for (const reason of FAILED_REASONS) metrics.failed.inc({ destination, reason }, 0);
}

/**
 * Every source's backlog, asked at once; a source that cannot tell (its JetStream stream unreachable) is
 * left out. One failure failed the whole scrape with a 500, so every metric went dark while NATS was
 * away, when they are needed most; asked one after the other, each waited out its own timeout.
 */
async function backlogs(sources: readonly BacklogSource[]) {
  const answers = await Promise.allSettled(sources.map((s) => s.pending()));
  return sources.flatMap((s, i) => {
    const answer = answers[i];
    return answer?.status === 'fulfilled' ? [{ destination: s.name, ...answer.value }] : [];
  });
}

export function createDestinationMetrics(registry: Registry, sources: () => readonly BacklogSource[]) {
  const registers = [registry];
  const labelNames = ['destination'] as const;
  new Gauge({
    name: 'tracker_destination_backlog_bytes',
    help: 'Bytes waiting in the backlog of a destination.',
    labelNames,
    registers,
    async collect() {
      const found = await backlogs(sources());
      this.reset();
      for (const b of found) this.set({ destination: b.destination }, b.bytes);
    },
  });
  new Gauge({
    name: 'tracker_destination_backlog_events',
    help: 'Events waiting in the backlog of a destination (disk backlogs; a JetStream backlog reports bytes).',
    labelNames,
    registers,
    async collect() {
      const found = await backlogs(sources());
      this.reset();
      for (const b of found) if (b.rows !== undefined) this.set({ destination: b.destination }, b.rows);
    },
  });
  new Gauge({
    name: 'tracker_destination_lag_seconds',
    help: 'Age, when it was sent, of the newest event of the last request a destination accepted.',
    labelNames,
    registers,
    collect() {
      this.reset();
      for (const s of sources()) {
        const lag = s.lagSeconds();
        if (lag !== undefined) this.set({ destination: s.name }, lag);
      }
    },
  });
  return {
    queued: new Counter({
      name: 'tracker_destination_queued_events_total',
      help: 'Events stored in a destination backlog.',
      labelNames,
      registers,
    }),
    skipped: new Counter({
      name: 'tracker_destination_skipped_events_total',
      help: 'Stored events not for a destination: reason no_consent or not_routed.',
      labelNames: ['destination', 'reason'],
      registers,
    }),
    sent: new Counter({
      name: 'tracker_destination_sent_events_total',
      help: 'Events a destination accepted.',
      labelNames,
      registers,
    }),
    retries: new Counter({
      name: 'tracker_destination_retries_total',
      help: 'Requests that will be sent again (no answer, 408, 429, 5xx, credentials refused).',
      labelNames,
      registers,
    }),
    failed: new Counter({
      name: 'tracker_destination_failed_events_total',
      help: 'Events that will never reach a destination, by reason: refused, expired, backlog_full, backlog_error; each is in its dead letters.',
      labelNames: ['destination', 'reason'],
      registers,
    }),
    erased: new Counter({
      name: 'tracker_destination_erased_events_total',
      help: 'Queued events dropped unsent because an erase request named their person (not in the dead letters).',
      labelNames,
      registers,
    }),
    requestSeconds: new Histogram({
      name: 'tracker_destination_request_seconds',
      help: 'Duration of one request to a destination.',
      labelNames,
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
  };
}
