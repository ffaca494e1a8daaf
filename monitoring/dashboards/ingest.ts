// The ingest: traffic, acknowledgements, refusals, the data path behind them (spool, queues, flushes,
// breaker, dead letters), the process and the forwarding to destinations. Every metric named here is
// exported by the ingest's /metrics (a test checks it against a live ingest).
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { buildDashboard, PROMETHEUS_TYPE, queryVariable } from '../grafana.ts';
import { destinationPanels } from './destinations.ts';
import { NS, quantile, rate } from './namespaced.ts';

export function ingestDashboard(): Dashboard {
  return buildDashboard({
    uid: 'tracker-ingest',
    title: 'Tracker / Ingest',
    description: 'Requests, acknowledged rows, refusals and the data path of the Tracker ingest tier.',
    datasourceType: PROMETHEUS_TYPE,
    variables: [
      // All is `.*`, which also matches series without the label: a single ingest (`make run`) scraped by
      // a static target has no namespace, and All spelled as the list of values found selects nothing.
      queryVariable(
        'namespace',
        'Namespace',
        'label_values(tracker_http_requests_total, namespace)',
        PROMETHEUS_TYPE,
      ).allValue('.*'),
    ],
    panels: [
      {
        title: 'Requests by route',
        description: 'HTTP requests per second, every status.',
        kind: 'timeseries',
        unit: 'reqps',
        queries: [{ expr: rate('tracker_http_requests_total', 'route'), legend: '{{route}}' }],
      },
      {
        title: 'Acknowledged rows by table',
        description: 'Rows made durable (spooled) and acknowledged to clients, per second.',
        kind: 'timeseries',
        unit: 'rowsps',
        queries: [{ expr: rate('tracker_rows_accepted_total', 'table'), legend: '{{table}}' }],
      },
      {
        title: '4xx and 5xx responses',
        description: 'Client errors (bad input, rate limits) and server errors (overload, store down).',
        kind: 'timeseries',
        unit: 'reqps',
        queries: [
          { expr: rate('tracker_http_requests_total', 'status', ',status=~"4.."'), legend: '{{status}}' },
          { expr: rate('tracker_http_requests_total', 'status', ',status=~"5.."'), legend: '{{status}}' },
        ],
      },
      {
        title: 'Errors by code',
        description: 'Error responses by their coded error (the ingest error catalogue).',
        kind: 'timeseries',
        unit: 'reqps',
        queries: [{ expr: rate('tracker_errors_total', 'code'), legend: '{{code}}' }],
      },
      {
        title: 'Request latency',
        description: 'p50 and p99 of request duration, the durable append included.',
        kind: 'timeseries',
        unit: 's',
        queries: [
          { expr: quantile(0.5, 'tracker_http_request_duration_seconds', 'route'), legend: 'p50 {{route}}' },
          { expr: quantile(0.99, 'tracker_http_request_duration_seconds', 'route'), legend: 'p99 {{route}}' },
        ],
      },
      {
        title: 'Spool bytes',
        description:
          'Bytes held by the spool, per pod, and its limit (spool.maxBytes; above it the ingest answers 503). It grows while the store is slow or down.',
        kind: 'timeseries',
        unit: 'bytes',
        queries: [
          { expr: `sum by (pod) (tracker_datapath_spool_bytes{${NS}})`, legend: '{{pod}}' },
          { expr: `max by (pod) (tracker_datapath_spool_max_bytes{${NS}})`, legend: '{{pod}} limit' },
        ],
      },
      {
        title: 'Queue depth',
        description: 'Rows waiting for delivery to the store, per table.',
        kind: 'timeseries',
        unit: 'short',
        queries: [{ expr: `sum by (table) (tracker_datapath_queue_rows{${NS}})`, legend: '{{table}}' }],
      },
      {
        title: 'Flush latency',
        description: 'p99 time to deliver one batch to the store, retries included.',
        kind: 'timeseries',
        unit: 's',
        queries: [{ expr: quantile(0.99, 'tracker_datapath_flush_seconds', 'table'), legend: '{{table}}' }],
      },
      {
        title: 'Circuit breaker',
        description: 'Breaker around the store, per pod: closed, half-open or open (the store is failing).',
        kind: 'stat',
        states: { '0': 'closed', '1': 'half-open', '2': 'open' },
        queries: [{ expr: `max by (pod) (tracker_datapath_breaker_state{${NS}})`, legend: '{{pod}}' }],
        width: 8,
      },
      {
        title: 'Dead letters',
        description: 'Rows the store refused, written to the dead-letter file, in the selected range.',
        kind: 'stat',
        unit: 'short',
        queries: [
          {
            expr: `sum by (table) (increase(tracker_datapath_dead_letters_total{${NS}}[$__range]))`,
            legend: '{{table}}',
          },
        ],
        width: 8,
      },
      {
        title: 'Store errors and breaker changes',
        description: 'Failed (retried) inserts per table, and breaker state changes.',
        kind: 'timeseries',
        unit: 'ops',
        queries: [
          { expr: rate('tracker_datapath_store_errors_total', 'table'), legend: 'errors {{table}}' },
          { expr: rate('tracker_datapath_breaker_transitions_total', 'state'), legend: 'to {{state}}' },
        ],
        width: 8,
      },
      {
        title: 'Refused appends and rate limits',
        description: 'Appends the data path refused (overload, invalid rows), and rate-limited requests.',
        kind: 'timeseries',
        unit: 'ops',
        queries: [
          { expr: rate('tracker_datapath_rejected_total', 'code'), legend: '{{code}}' },
          { expr: rate('tracker_rate_limited_total', 'reason'), legend: 'rate limit {{reason}}' },
        ],
        width: 8,
      },
      {
        title: 'Refused connections',
        description:
          'TCP connections closed on arrival because their listener (public, ops, sql) held server.maxConnections, per second.',
        kind: 'timeseries',
        unit: 'ops',
        queries: [{ expr: rate('tracker_connections_refused_total', 'listener'), legend: '{{listener}}' }],
        width: 8,
      },
      {
        title: 'WebSocket frames',
        description: 'Frames by kind (json, lz4) and outcome (stored or an error code).',
        kind: 'timeseries',
        unit: 'ops',
        queries: [{ expr: rate('tracker_ws_frames_total', 'kind, outcome'), legend: '{{kind}} {{outcome}}' }],
        width: 8,
      },
      {
        title: 'Process memory',
        description: 'Resident memory of each ingest process, and pending rows cached in memory.',
        kind: 'timeseries',
        unit: 'bytes',
        queries: [
          {
            expr: `sum by (pod) (tracker_ingest_process_resident_memory_bytes{${NS}})`,
            legend: 'rss {{pod}}',
          },
          { expr: `sum by (pod) (tracker_datapath_memory_bytes{${NS}})`, legend: 'pending {{pod}}' },
        ],
      },
      {
        title: 'Event loop lag',
        description: 'p99 event loop delay: a blocked loop delays every request.',
        kind: 'timeseries',
        unit: 's',
        queries: [
          {
            expr: `max by (pod) (tracker_ingest_nodejs_eventloop_lag_p99_seconds{${NS}})`,
            legend: '{{pod}}',
          },
        ],
      },
      ...destinationPanels,
    ],
  });
}
