// The operator: reconciles, their errors and duration, the work queue, watch restarts, API traffic and
// which replica leads. Every metric named here is exported by the operator's /metrics (a test checks it).
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { buildDashboard, PROMETHEUS_TYPE } from '../grafana.ts';

const rate = (metric: string, by: string) => `sum by (${by}) (rate(${metric}[$__rate_interval]))`;

/** p50 and p99 of a histogram, over every series or per label value of `by`. */
function quantiles(histogram: string, by?: string) {
  const labels = by ? `le, ${by}` : 'le';
  const q = (p: string) =>
    `histogram_quantile(${p}, sum by (${labels}) (rate(${histogram}_bucket[$__rate_interval])))`;
  const legend = (p: string) => (by ? `${p} {{${by}}}` : p);
  return [
    { expr: q('0.5'), legend: legend('p50') },
    { expr: q('0.99'), legend: legend('p99') },
  ];
}

export function operatorDashboard(): Dashboard {
  return buildDashboard({
    uid: 'tracker-operator',
    title: 'Tracker / Operator',
    description: 'Reconciles, errors, the work queue and watches of the Tracker operator.',
    datasourceType: PROMETHEUS_TYPE,
    panels: [
      {
        title: 'Reconciles by result',
        description: 'Reconciles per second: success, requeue (a gate not passed yet) or error.',
        kind: 'timeseries',
        unit: 'ops',
        queries: [{ expr: rate('tracker_operator_reconcile_total', 'result'), legend: '{{result}}' }],
      },
      {
        title: 'Reconcile errors by step',
        description: 'Failed reconciles by the step that failed; the TrackerCluster events say why.',
        kind: 'timeseries',
        unit: 'ops',
        queries: [{ expr: rate('tracker_operator_reconcile_errors_total', 'step'), legend: '{{step}}' }],
      },
      {
        title: 'Reconcile duration',
        description: 'p50 and p99 duration of one reconcile.',
        kind: 'timeseries',
        unit: 's',
        queries: quantiles('tracker_operator_reconcile_duration_seconds'),
      },
      {
        title: 'Reaction latency by step',
        description:
          'From the watch event that queued a TrackerCluster to the first write of the reconcile it caused, by the step that wrote (status: only the status changed).',
        kind: 'timeseries',
        unit: 's',
        queries: quantiles('tracker_operator_reaction_seconds', 'step'),
      },
      {
        title: 'Schema passes',
        description:
          "Duration of the background schema passes (copy missing tables, migrate, verify every replica): ClickHouse's time, outside any reconcile.",
        kind: 'timeseries',
        unit: 's',
        queries: quantiles('tracker_operator_schema_task_seconds'),
      },
      {
        title: 'Work queue depth',
        description: 'Keys waiting for a reconcile (in-flight and delayed keys not counted).',
        kind: 'timeseries',
        unit: 'short',
        queries: [{ expr: 'max by (pod) (tracker_operator_queue_depth)', legend: '{{pod}}' }],
      },
      {
        title: 'Watch restarts',
        description: 'Watches restarted, by resource and reason (closed, error, gone, watchdog, relist).',
        kind: 'timeseries',
        unit: 'short',
        queries: [
          {
            expr: 'sum by (resource, reason) (increase(tracker_operator_watch_restarts_total[$__rate_interval]))',
            legend: '{{resource}} {{reason}}',
          },
        ],
      },
      {
        title: 'Kubernetes API requests',
        description: 'API requests per second by verb (watch streams not included).',
        kind: 'timeseries',
        unit: 'reqps',
        queries: [{ expr: rate('tracker_operator_api_requests_total', 'verb'), legend: '{{verb}}' }],
      },
      {
        title: 'Kubernetes API request duration',
        description: 'p50 and p99 of the API requests a reconcile waits on, by verb.',
        kind: 'timeseries',
        unit: 's',
        queries: quantiles('tracker_operator_api_request_seconds', 'verb'),
      },
      {
        title: 'Leader',
        description: 'Which replica holds the leader Lease (1) and reconciles.',
        kind: 'stat',
        states: { '0': 'standby', '1': 'leader' },
        queries: [{ expr: 'max by (pod) (tracker_operator_leader)', legend: '{{pod}}' }],
        width: 24,
      },
    ],
  });
}
