// The chart's alert rules as Prometheus itself evaluates them (promtool, built from its Go module): the
// rules file is valid, and each alert fires with a summary that says which ingest, in both deployments.
// Regression: the summaries named the ingest by `namespace/pod`, labels only a PodMonitor gives; an ingest
// run as one process (`make run`, scraped by a static target, monitoring/README.md) has neither, and its
// alerts said "Ingest / spool is 90% full".
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments, stringify } from 'yaml';
import { MONITORING_APIS, renderChart } from '../charts/testing/helm.ts';
import { toolPath } from '../e2e/env/tools.ts';

type Rule = {
  alert: string;
  expr: string;
  labels: { severity: string };
  annotations: Record<string, string>;
};
type Rules = { groups: { name: string; rules: Rule[] }[] };

const rendered = parseAllDocuments(
  renderChart('monitoring', { 'monitoring.prometheusRule.enabled': 'true' }, 'tracker', MONITORING_APIS),
)
  .map((d) => d.toJS() as { kind: string; spec: unknown } | null)
  .find((d) => d?.kind === 'PrometheusRule');
const rules = rendered?.spec as Rules;
const rule = (alert: string) => rules.groups.flatMap((g) => g.rules).find((r) => r.alert === alert) as Rule;

/** The labels each deployment's scrape gives an ingest's series. */
const DEPLOYMENTS = {
  // the chart's PodMonitor: Prometheus Operator adds namespace and pod; instance is the pod's address
  kubernetes: {
    labels: {
      namespace: 'shop',
      pod: 'tracker-ingest-7d9f-x2x4q',
      instance: '10.0.3.7:9464',
      job: 'shop/ingest',
    },
    alertLabels: { namespace: 'shop', pod: 'tracker-ingest-7d9f-x2x4q', instance: '10.0.3.7:9464' },
    ingest: 'shop/tracker-ingest-7d9f-x2x4q',
  },
  // `make run` with the static scrape config monitoring/README.md gives
  single: {
    labels: { instance: '127.0.0.1:9464', job: 'tracker' },
    alertLabels: { instance: '127.0.0.1:9464' },
    ingest: '127.0.0.1:9464',
  },
} as const;
type Deployment = (typeof DEPLOYMENTS)[keyof typeof DEPLOYMENTS];

const series = (name: string, labels: Record<string, string>) =>
  `${name}{${Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(',')}}`;

interface Case {
  readonly alert: string;
  /** Input series: metric name, its own labels, promtool's expanding values (one sample a minute). */
  readonly input: readonly [string, Record<string, string>, string][];
  readonly at: string;
  /** The labels of the alert besides the deployment's (the `by` labels the metric carries). */
  readonly labels: Record<string, string>;
  readonly summary: (ingest: string) => string;
}

const CASES: readonly Case[] = [
  {
    alert: 'TrackerIngestSpoolFilling',
    input: [
      ['tracker_datapath_spool_bytes', {}, '900x15'],
      ['tracker_datapath_spool_max_bytes', {}, '1000x15'],
    ],
    at: '10m',
    labels: {},
    summary: (i) => `Ingest ${i} spool is 90% full`,
  },
  {
    alert: 'TrackerIngestDeadLetters',
    input: [['tracker_datapath_dead_letters_total', { table: 'events' }, '0 0 5x10']],
    at: '5m',
    labels: { table: 'events' },
    summary: (i) => `Ingest ${i} dead-lettered rows of events`,
  },
  {
    alert: 'TrackerIngestBreakerOpen',
    input: [['tracker_datapath_breaker_state', {}, '2x15']],
    at: '10m',
    labels: {},
    summary: (i) => `Ingest ${i} cannot write to ClickHouse (circuit breaker open)`,
  },
  {
    alert: 'TrackerIngestStoreRefused',
    input: [
      ['tracker_datapath_store_refused', { refusal: 'credentials' }, '1x15'],
      ['tracker_datapath_store_refused', { refusal: 'schema' }, '0x15'],
    ],
    at: '10m',
    labels: { refusal: 'credentials' },
    summary: (i) => `Ingest ${i}: the store refuses its inserts (credentials)`,
  },
  {
    alert: 'TrackerIngestSchemaBehind',
    input: [['tracker_store_schema_behind', {}, '2x15']],
    at: '10m',
    labels: {},
    summary: (i) => `Ingest ${i}: the store's schema lacks 2 of its migrations`,
  },
  {
    alert: 'TrackerIngestConnectionsRefused',
    input: [
      ['tracker_connections_refused_total', { listener: 'public' }, '0+40x30'],
      ['tracker_connections_refused_total', { listener: 'ops' }, '0x30'],
    ],
    at: '20m',
    labels: { listener: 'public' },
    summary: (i) => `Ingest ${i} refuses connections on its public listener (server.maxConnections reached)`,
  },
  {
    alert: 'TrackerEraseRequestsFailed',
    input: [['tracker_erase_requests_total', { status: 'failed' }, '0 0 1x10']],
    at: '5m',
    labels: {},
    summary: (i) => `Ingest ${i} gave up an erase request`,
  },
  {
    alert: 'TrackerDestinationEventsLost',
    input: [
      ['tracker_destination_failed_events_total', { destination: 'crm', reason: 'refused' }, '0 0 3x10'],
    ],
    at: '5m',
    labels: { destination: 'crm', reason: 'refused' },
    summary: (i) => `Ingest ${i} gave up forwarding events to crm (refused)`,
  },
  {
    alert: 'TrackerDestinationStalled',
    input: [
      ['tracker_destination_backlog_bytes', { destination: 'crm' }, '4096x40'],
      ['tracker_destination_sent_events_total', { destination: 'crm' }, '7x40'],
    ],
    at: '30m',
    labels: { destination: 'crm' },
    summary: (i) => `Destination crm has a backlog at ingest ${i} and took nothing for 10 minutes`,
  },
];

/** promtool's unit test of one alert in one deployment: it fires, with these labels and annotations. */
function ruleTest(c: Case, d: Deployment) {
  const { annotations, labels } = rule(c.alert);
  return {
    interval: '1m',
    input_series: c.input.map(([name, own, values]) => ({
      series: series(name, { ...d.labels, ...own }),
      values,
    })),
    alert_rule_test: [
      {
        eval_time: c.at,
        alertname: c.alert,
        exp_alerts: [
          {
            exp_labels: { ...d.alertLabels, ...c.labels, severity: labels.severity },
            exp_annotations: { summary: c.summary(d.ingest), description: annotations.description },
          },
        ],
      },
    ],
  };
}

function promtool(args: string[], cwd: string) {
  const res = spawnSync(toolPath('promtool'), args, { cwd, encoding: 'utf8' });
  return { code: res.status, out: `${res.stdout}${res.stderr}` };
}

describe('the alert rules, evaluated by promtool', () => {
  const dir = mkdtempSync(join(tmpdir(), 'alerts-'));
  writeFileSync(join(dir, 'tracker.rules.yml'), stringify(rules));

  it('are a valid Prometheus rules file', () => {
    const check = promtool(['check', 'rules', 'tracker.rules.yml'], dir);
    expect(check.code, check.out).toBe(0);
  });

  it('test every ingest alert', () => {
    const ingestAlerts = rules.groups.find((g) => g.name === 'tracker-ingest')?.rules.map((r) => r.alert);
    expect(CASES.map((c) => c.alert)).toEqual(ingestAlerts);
  });

  it.each(Object.keys(DEPLOYMENTS) as (keyof typeof DEPLOYMENTS)[])(
    'name the ingest in every summary on %s',
    (deployment) => {
      const d = DEPLOYMENTS[deployment];
      const tests = { rule_files: ['tracker.rules.yml'], tests: CASES.map((c) => ruleTest(c, d)) };
      writeFileSync(join(dir, `${deployment}.test.yml`), stringify(tests));
      const run = promtool(['test', 'rules', `${deployment}.test.yml`], dir);
      expect(run.code, run.out).toBe(0);
    },
  );

  // The operator runs on Kubernetes only; its alerts read labels its own metrics carry.
  it('name the failing step in the operator alert', () => {
    const tests = {
      rule_files: ['tracker.rules.yml'],
      tests: [
        {
          interval: '1m',
          input_series: [
            {
              series: series('tracker_operator_reconcile_errors_total', {
                namespace: 'tracker-system',
                pod: 'tracker-operator-0',
                step: 'schema',
              }),
              values: '0+2x40',
            },
          ],
          alert_rule_test: [
            {
              eval_time: '20m',
              alertname: 'TrackerOperatorReconcileErrors',
              exp_alerts: [
                {
                  exp_labels: { namespace: 'tracker-system', step: 'schema', severity: 'warning' },
                  exp_annotations: {
                    summary: 'Tracker operator reconciles fail in step schema',
                    description: rule('TrackerOperatorReconcileErrors').annotations.description,
                  },
                },
              ],
            },
          ],
        },
      ],
    };
    writeFileSync(join(dir, 'operator.test.yml'), stringify(tests));
    const run = promtool(['test', 'rules', 'operator.test.yml'], dir);
    expect(run.code, run.out).toBe(0);
  });

  // Schema passes run outside the reconciles: a failing migration closes the gate, a failing TTL change
  // does not (the cluster stays Ready), and each has its own alert; neither fires for the other's result.
  it.each([
    ['error', 'TrackerOperatorSchemaPassesFailing', 'TrackerOperatorRetentionNotApplied'],
    ['retention_failed', 'TrackerOperatorRetentionNotApplied', 'TrackerOperatorSchemaPassesFailing'],
  ])('tell schema passes ending %s by %s alone', (result, fires, quiet) => {
    const labels = { namespace: 'tracker-system', pod: 'tracker-operator-0', result };
    const expected = (alert: string) => ({
      exp_labels: { namespace: 'tracker-system', severity: 'warning' },
      exp_annotations: rule(alert).annotations,
    });
    const tests = {
      rule_files: ['tracker.rules.yml'],
      tests: [
        {
          interval: '1m',
          input_series: [
            { series: series('tracker_operator_schema_task_seconds_count', labels), values: '0+1x40' },
          ],
          alert_rule_test: [
            { eval_time: '30m', alertname: fires, exp_alerts: [expected(fires)] },
            { eval_time: '30m', alertname: quiet, exp_alerts: [] },
          ],
        },
      ],
    };
    writeFileSync(join(dir, `schema-${result}.test.yml`), stringify(tests));
    const run = promtool(['test', 'rules', `schema-${result}.test.yml`], dir);
    expect(run.code, run.out).toBe(0);
  });
});
