// Prometheus metrics (prom-client), one registry per app so tests and multiple apps do not collide.
import { Counter, collectDefaultMetrics, Registry } from 'prom-client';
import { ERASE_STATUSES } from '../erasure/index.ts';
import { Tally, TallyHistogram } from '../tally.ts';

export interface Metrics {
  readonly registry: Registry;
  readonly requests: Tally<'route' | 'method' | 'status'>;
  readonly duration: TallyHistogram<'route'>;
  readonly rows: Tally<'table'>;
  readonly errors: Counter<'code'>;
  readonly rateLimited: Counter<'reason'>;
  readonly wsFrames: Counter<'kind' | 'outcome'>;
  readonly erasures: Counter<'status'>;
  readonly connectionsRefused: Counter<'listener'>;
}

export function createMetrics(registry: Registry = new Registry()): Metrics {
  collectDefaultMetrics({ register: registry, prefix: 'tracker_ingest_' });
  const registers = [registry];
  return {
    registry,
    requests: new Tally({
      name: 'tracker_http_requests_total',
      help: 'HTTP requests by route and status',
      labelNames: ['route', 'method', 'status'],
      registers,
    }),
    duration: new TallyHistogram({
      name: 'tracker_http_request_duration_seconds',
      help: 'HTTP request duration (includes the durable append)',
      labelNames: ['route'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    rows: new Tally({
      name: 'tracker_rows_accepted_total',
      help: 'Rows made durable',
      labelNames: ['table'],
      registers,
    }),
    errors: new Counter({
      name: 'tracker_errors_total',
      help: 'Error responses by code',
      labelNames: ['code'],
      registers,
    }),
    rateLimited: new Counter({
      name: 'tracker_rate_limited_total',
      help: 'Requests refused by rate limits',
      labelNames: ['reason'],
      registers,
    }),
    wsFrames: new Counter({
      name: 'tracker_ws_frames_total',
      help: 'WebSocket frames by kind and outcome',
      labelNames: ['kind', 'outcome'],
      registers,
    }),
    // every listener at 0 from the start: increase() counts from a series' first sample
    connectionsRefused: everyListenerAtZero(
      new Counter({
        name: 'tracker_connections_refused_total',
        help: 'TCP connections closed on arrival because their listener held server.maxConnections',
        labelNames: ['listener'],
        registers,
      }),
    ),
    erasures: zeroed(
      new Counter({
        name: 'tracker_erase_requests_total',
        help: 'Erase requests reaching a status: pending (accepted, or resumed after a stop), retrying (a delete failed and is tried again), done, failed (given up: the person may still be stored).',
        labelNames: ['status'],
        registers,
      }),
    ),
  };
}

/**
 * Each status at 0 from the start: Prometheus' increase() counts from a series' first sample, so a
 * status first recorded after the start (the one failed request that the alert is for) would appear at 1
 * and increase by nothing.
 */
function everyListenerAtZero(counter: Counter<'listener'>): Counter<'listener'> {
  for (const listener of ['public', 'ops', 'sql']) counter.inc({ listener }, 0);
  return counter;
}

function zeroed(counter: Counter<'status'>): Counter<'status'> {
  for (const status of ERASE_STATUSES) counter.inc({ status }, 0);
  return counter;
}
