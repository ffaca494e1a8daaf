// The forwarding to destinations (webhooks, Facebook Conversions API) on the ingest dashboard: what each
// destination was sent, what it will never get and why, and how far behind it is. Every metric named here
// is exported by an ingest with at least one destination configured (a test checks it against one).
import type { PanelSpec } from '../grafana.ts';
import { NS, quantile, rate } from './namespaced.ts';

export const destinationPanels: readonly PanelSpec[] = [
  {
    title: 'Destinations: events sent and retried',
    description:
      'Events each destination accepted per second, and requests that will be sent again (no answer, 408, 429, 5xx, credentials refused).',
    kind: 'timeseries',
    unit: 'ops',
    queries: [
      { expr: rate('tracker_destination_sent_events_total', 'destination'), legend: 'sent {{destination}}' },
      { expr: rate('tracker_destination_retries_total', 'destination'), legend: 'retried {{destination}}' },
    ],
  },
  {
    title: 'Destinations: events never sent',
    description:
      'Events that will never reach a destination, by reason (refused, expired, backlog_full, backlog_error: each is in its dead letters), and queued events dropped because an erase request named their person.',
    kind: 'timeseries',
    unit: 'ops',
    queries: [
      {
        expr: rate('tracker_destination_failed_events_total', 'destination, reason'),
        legend: '{{destination}} {{reason}}',
      },
      {
        expr: rate('tracker_destination_erased_events_total', 'destination'),
        legend: '{{destination}} erased',
      },
    ],
  },
  {
    title: 'Destinations: events not for them',
    description:
      'Stored events a destination does not get by design: without the consent it requires (no_consent) or outside its route (not_routed).',
    kind: 'timeseries',
    unit: 'ops',
    queries: [
      {
        expr: rate('tracker_destination_skipped_events_total', 'destination, reason'),
        legend: '{{destination}} {{reason}}',
      },
    ],
    width: 8,
  },
  {
    title: 'Destinations: backlog',
    description:
      'Bytes waiting to be forwarded, per destination and pod. It grows while a destination is down or slower than the traffic; at its backlogBytes the newest events are dead-lettered (backlog_full).',
    kind: 'timeseries',
    unit: 'bytes',
    queries: [
      {
        expr: `sum by (destination, pod) (tracker_destination_backlog_bytes{${NS}})`,
        legend: '{{destination}} {{pod}}',
      },
    ],
    width: 8,
  },
  {
    title: 'Destinations: lag and request time',
    description:
      'How old the newest event of the last accepted request was when it was sent, and the p99 duration of a request to each destination.',
    kind: 'timeseries',
    unit: 's',
    queries: [
      {
        expr: `max by (destination) (tracker_destination_lag_seconds{${NS}})`,
        legend: 'lag {{destination}}',
      },
      {
        expr: quantile(0.99, 'tracker_destination_request_seconds', 'destination'),
        legend: 'p99 request {{destination}}',
      },
    ],
    width: 8,
  },
];
