// The monitoring the chart ships, checked against the real things: the dashboards and alert rules as
// Helm renders them, every metric they use against the /metrics of a live ingest and a live operator
// (real kube-apiserver), and the analytics dashboard's SQL run on the real engine over events sent
// through the real ingest, its numbers compared with counts of the same rows.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { renderCluster } from '../cdk8s/index.ts';
import { cluster, find, json } from '../cdk8s/testing/cluster.ts';
import { chartDir, helm, MONITORING_APIS, renderChart } from '../charts/testing/helm.ts';
import { type ChartDoc, chartOperatorConfig } from '../charts/testing/install.ts';
import { createNamespace, installCrd } from '../crds/testing/kube.ts';
import { closedPort } from '../e2e/env/ports.ts';
import { waitFor } from '../e2e/env/wait.ts';
import { type Live, startLive } from '../ingest/testing/live.ts';
import { kubeconfigAccess } from '../kube/access.ts';
import { parseConfig as parseOperatorConfig } from '../operator/config.ts';
import { type Operator, startOperator } from '../operator/operator.ts';
import { testConfig } from '../operator/testing/harness.ts';
import { ANALYTICS_PANELS } from './dashboards/analytics.ts';
import { DASHBOARDS, dashboardJson } from './dashboards/index.ts';
import { exposedFamilies, exposedSeries, increasedSeries, isExported, metricNames } from './promql.ts';
import { ALL, expandMacros } from './testing/grafana-macros.ts';

type Doc = {
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  data?: Record<string, string>;
  spec?: unknown;
};
type Rules = { groups: { name: string; rules: { alert: string; expr: string }[] }[] };
type Target = { expr?: string };
type JsonDashboard = { panels: { targets: Target[] }[] };

const ENABLED = {
  'monitoring.dashboards.enabled': 'true',
  'monitoring.ingestPodMonitor.enabled': 'true',
  'monitoring.prometheusRule.enabled': 'true',
};
const docs = (yaml: string) =>
  parseAllDocuments(yaml)
    .map((d) => d.toJS() as Doc | null)
    .filter((d): d is Doc => d !== null);

// as on a cluster with the Prometheus Operator (charts/prometheus-operator-crds.int.test.ts: without it)
const rendered = docs(renderChart('monitoring', ENABLED, 'tracker', MONITORING_APIS));
const shipped: Record<string, JsonDashboard> = Object.fromEntries(
  rendered
    .filter((d) => d.kind === 'ConfigMap' && d.metadata.labels?.grafana_dashboard === '1')
    .flatMap((d) => Object.entries(d.data ?? {}).map(([file, json]) => [file, JSON.parse(json)])),
);
const rules = rendered.find((d) => d.kind === 'PrometheusRule')?.spec as Rules;
const dashboardExprs = (file: string) =>
  (shipped[file]?.panels ?? []).flatMap((p) => p.targets.flatMap((t) => (t.expr ? [t.expr] : [])));
const ruleExprs = (group: string) =>
  rules.groups.find((g) => g.name === group)?.rules.map((r) => r.expr) ?? [];

/** One alert rule as the chart renders it with the PrometheusRule on and `extra` Helm arguments. */
function renderedRule(alert: string, extra: string[] = []) {
  const apis = MONITORING_APIS.flatMap((v) => ['--api-versions', v]);
  const args = ['template', 'tracker', chartDir, '--set', 'monitoring.prometheusRule.enabled=true', ...apis];
  const out = helm([...args, ...extra]);
  if (out.code !== 0) throw new Error(out.stderr);
  const spec = docs(out.stdout).find((d) => d.kind === 'PrometheusRule')?.spec as Rules;
  return spec.groups
    .flatMap((g) => g.rules as { alert: string; expr: string; for?: string }[])
    .find((r) => r.alert === alert);
}

describe('the monitoring objects of the chart', () => {
  it('ship every generated dashboard unchanged, as a ConfigMap the Grafana sidecar picks up', () => {
    expect(Object.keys(shipped).sort()).toEqual(Object.keys(DASHBOARDS).sort());
    for (const [file, build] of Object.entries(DASHBOARDS)) {
      expect(shipped[file]).toEqual(JSON.parse(dashboardJson(build)));
    }
  });

  it('render the alerts that matter and the ingest PodMonitor', () => {
    expect(rules.groups.flatMap((g) => g.rules.map((r) => r.alert))).toEqual([
      'TrackerIngestSpoolFilling',
      'TrackerIngestDeadLetters',
      'TrackerIngestBreakerOpen',
      // Regression: a store refusing the ingest (credentials, a grant, the schema), its schema behind and
      // connections refused at server.maxConnections raised no alert
      'TrackerIngestStoreRefused',
      'TrackerIngestSchemaBehind',
      'TrackerIngestConnectionsRefused',
      // Regression: an erase request given up (the person may still be stored) raised no alert
      'TrackerEraseRequestsFailed',
      'TrackerDestinationEventsLost',
      'TrackerDestinationStalled',
      'TrackerOperatorReconcileErrors',
      // Regression: a schema pass failing for good (MigrationFailed) counted no reconcile error and
      // raised no alert.
      'TrackerOperatorSchemaPassesFailing',
      // Regression: a TTL change failing on every pass left the cluster Ready and raised no alert.
      'TrackerOperatorRetentionNotApplied',
    ]);
    const pm = rendered.find((d) => d.kind === 'PodMonitor');
    expect(pm?.spec).toMatchObject({
      namespaceSelector: { any: true },
      selector: { matchLabels: { 'app.kubernetes.io/component': 'ingest' } },
      podMetricsEndpoints: [{ port: 'ops', path: '/metrics', scheme: 'http' }],
    });
  });

  // The chart and the renderer meet at the ingest pod: the PodMonitor names its operations port, which the
  // operator (configured by the chart) opens to the pods the chart says Prometheus runs as, and to nobody
  // else; no Service exposes it. Before, the PodMonitor scraped the public port, open to every source.
  it('scrape the port the operator renders for metrics, which it opens to the configured Prometheus only', () => {
    const set = {
      ...ENABLED,
      'monitoring.prometheus.namespaceLabels.team': 'obs',
      'monitoring.prometheus.podLabels.app\\.kubernetes\\.io/name': 'prometheus',
    };
    const chart = docs(renderChart('monitoring', set, 'tracker', MONITORING_APIS));
    const config = parseOperatorConfig(chartOperatorConfig(chart as ChartDoc[]));
    const { objects } = renderCluster(cluster({}), { prometheus: config.monitoring.prometheus });
    const pod = json(find(objects, 'Deployment', 'demo-ingest')).spec.template.spec.containers[0];
    const endpoint = json(chart.find((d) => d.kind === 'PodMonitor')).spec.podMetricsEndpoints[0];
    const ops = pod.ports.find((p: { name: string }) => p.name === endpoint?.port);
    expect(ops?.containerPort).toBe(9464);
    expect(json(find(objects, 'NetworkPolicy', 'demo-ingest')).spec.ingress).toContainEqual({
      from: [
        {
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring', team: 'obs' } },
          podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } },
        },
      ],
      ports: [{ protocol: 'TCP', port: ops.containerPort }],
    });
    const exposed = objects
      .filter((o) => o.kind === 'Service')
      .flatMap((s) => json(s).spec.ports.map((p: { targetPort: unknown }) => p.targetPort));
    expect(exposed).not.toContain(endpoint?.port);
  });

  // The alert compared spool bytes with a fixed byte count, which fired too late or never for an ingest
  // whose spool.maxBytes was not the default; it is a ratio of the limit each ingest exports.
  it('alert on the spool filling as a share of each ingest’s own spool limit', () => {
    const spoolRule = (extra: string[] = []) => renderedRule('TrackerIngestSpoolFilling', extra);
    const byDefault = spoolRule();
    expect(byDefault).toMatchObject({ for: '5m' });
    expect(byDefault?.expr).toBe(
      'max by (namespace, pod, instance) (tracker_datapath_spool_bytes / tracker_datapath_spool_max_bytes) > 0.8',
    );
    expect(metricNames(byDefault?.expr ?? '')).toEqual([
      'tracker_datapath_spool_bytes',
      'tracker_datapath_spool_max_bytes',
    ]);
    const ratio = (v: number) => ['--set-json', `monitoring.prometheusRule.spoolFullRatio=${v}`];
    expect(spoolRule(ratio(0.95))?.expr).toMatch(/ > 0\.95$/);
    const tooMuch = helm(['lint', chartDir, ...ratio(1.5)]);
    expect(tooMuch.code).not.toBe(0);
    expect(tooMuch.stdout + tooMuch.stderr).toMatch(/spoolFullRatio': maximum/);
  });

  it('alert on events a destination will never get, and on a destination that takes nothing', () => {
    const lost = renderedRule('TrackerDestinationEventsLost');
    expect(lost?.for).toBeUndefined();
    expect(metricNames(lost?.expr ?? '')).toEqual(['tracker_destination_failed_events_total']);
    const stalled = renderedRule('TrackerDestinationStalled');
    expect(stalled).toMatchObject({ for: '15m' });
    expect(metricNames(stalled?.expr ?? '').sort()).toEqual([
      'tracker_destination_backlog_bytes',
      'tracker_destination_sent_events_total',
    ]);
    // a backlog somewhere, and no pod sent the destination anything: the JetStream backlog is shared
    expect(stalled?.expr).toMatch(/ unless on \(namespace, destination\) sum by \(namespace, destination\) /);
    const later = ['--set', 'monitoring.prometheusRule.destinationStalledFor=1h'];
    expect(renderedRule('TrackerDestinationStalled', later)?.for).toBe('1h');
    const bad = helm(['lint', chartDir, '--set', 'monitoring.prometheusRule.destinationStalledFor=soon']);
    expect(bad.code).not.toBe(0);
  });

  it('render none of them by default, even where the Prometheus Operator is installed', () => {
    const kinds = docs(renderChart('monitoring', {}, 'tracker', MONITORING_APIS)).map(
      (d) => `${d.kind}/${d.metadata.name}`,
    );
    expect(kinds.filter((k) => /PodMonitor|ServiceMonitor|PrometheusRule|dashboard/.test(k))).toEqual([]);
  });

  it('refuse an unknown monitoring value', () => {
    const res = helm(['lint', chartDir, '--set', 'monitoring.grafana.enabled=true']);
    expect(res.code).not.toBe(0);
    expect(res.stdout + res.stderr).toMatch(/values don't meet the specifications of the schema/);
  });
});

/**
 * A webhook destination (nothing is sent to it here, and nothing listens there): the destinations' metrics
 * exist only with one.
 */
function withWebhook(dir: string, port: number): Record<string, unknown> {
  const secret = join(dir, 'webhook.secret');
  writeFileSync(secret, 'a-signing-secret-of-32-characters!!');
  const crm = { name: 'crm', url: `http://127.0.0.1:${port}/hook`, signingSecretFile: secret, consent: [] };
  return { destinations: { dir: join(dir, 'destinations'), webhooks: [crm] } };
}

describe('every metric a dashboard or an alert uses is exported', () => {
  let live: Live;
  let operator: Operator;
  /** The fresh ingest's and operator's /metrics, before anything happened to them. */
  let ingestText = '';
  let operatorText = '';
  const families: Record<'ingest' | 'operator', Map<string, string>> = {
    ingest: new Map(),
    operator: new Map(),
  };

  beforeAll(async () => {
    live = await startLive(withWebhook(mkdtempSync(join(tmpdir(), 'mon-dest-')), await closedPort()));
    const kubeconfig = inject('kubeconfig');
    installCrd(kubeconfig);
    operator = await startOperator({
      config: testConfig({ namespace: createNamespace(kubeconfig, 'mon') }),
      access: kubeconfigAccess([kubeconfig]),
    });
    ingestText = await (await fetch(`${live.opsUrl}/metrics`)).text();
    families.ingest = exposedFamilies(ingestText);
    operatorText = await (await fetch(`http://127.0.0.1:${operator.httpPort}/metrics`)).text();
    families.operator = exposedFamilies(operatorText);
  });
  afterAll(async () => {
    await operator?.stop();
    await live?.close();
  });

  it('the live ingest exports its spool limit as configured (spool.maxBytes, by default 1 GiB)', async () => {
    const text = await (await fetch(`${live.opsUrl}/metrics`)).text();
    expect(text).toMatch(/^tracker_datapath_spool_max_bytes 1073741824$/m);
  });

  it.each([
    ['the ingest dashboard', 'ingest', () => dashboardExprs('tracker-ingest.json')],
    ['the ingest alerts', 'ingest', () => ruleExprs('tracker-ingest')],
    ['the operator dashboard', 'operator', () => dashboardExprs('tracker-operator.json')],
    ['the operator alerts', 'operator', () => ruleExprs('tracker-operator')],
  ] as const)('%s: by the live %s', (_what, source, exprs) => {
    const names = [...new Set(exprs().flatMap(metricNames))];
    expect(names.length).toBeGreaterThan(0);
    expect(names.filter((n) => !isExported(n, families[source]))).toEqual([]);
  });

  // Prometheus' increase() counts from a series' first sample: a dead letter, a failed erase request, an
  // event a destination refused or a failed reconcile step, the first since the start, made its series
  // appear at 1, which increased by nothing, and the alert on it never fired.
  it.each([
    ['ingest', 'tracker-ingest', () => ingestText],
    ['operator', 'tracker-operator', () => operatorText],
  ] as const)(
    'every counter an %s alert takes the increase() of is exported before its first event',
    (_w, group, text) => {
      const wanted = ruleExprs(group).flatMap(increasedSeries);
      expect(wanted.length).toBeGreaterThan(0);
      const have = exposedSeries(text());
      const exported = (w: (typeof wanted)[number]) =>
        have.some((s) => s.name === w.name && Object.entries(w.labels).every(([k, v]) => s.labels[k] === v));
      expect(wanted.filter((w) => !exported(w))).toEqual([]);
    },
  );
});

describe('the analytics dashboard on the real engine', () => {
  const SITE = '0a000000-0000-4000-8000-00000000000a';
  const OTHER = '0b000000-0000-4000-8000-00000000000b';
  let live: Live;

  const send = (events: Record<string, unknown>[]) =>
    fetch(`${live.url}/tr/v1/tr/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(events),
    }).then((r) => {
      if (r.status !== 200) throw new Error(`POST /tr/v1/tr/ answered ${r.status}`);
    });

  beforeAll(async () => {
    live = await startLive();
    const view = (path: string, extra: Record<string, unknown> = {}) => ({
      ename: 'page_view',
      oid: SITE,
      url: `https://shop.example${path}`,
      ...extra,
    });
    await send([
      view('/pricing', {
        last: 'https://news.example/story',
        source: 'newsletter',
        country: 'DE',
        cflags: 3,
      }),
      view('/pricing', { last: 'https://news.example/other', country: 'DE', cflags: 3 }),
      view('/pricing', { last: 'https://shop.example/', country: 'US', cflags: 1 }),
      view('/docs', { country: 'US', cflags: 7 }),
      { ename: 'signup', oid: SITE, url: 'https://shop.example/pricing', country: 'DE' },
      // a referrer sent as the event's field (the Go tracker's clients, server-side callers), not as `last`
      {
        ename: 'page_view',
        oid: OTHER,
        url: 'https://other.example/',
        referrer: 'https://search.example/?q=tracker',
        country: 'FR',
      },
    ]);
    await waitFor(async () => (await live.rows('SELECT eid FROM events')).length === 6, {
      what: 'the six events in the store',
      timeoutMs: 20_000,
    });
  });
  afterAll(async () => {
    await live?.close();
  });

  const now = Math.floor(Date.now() / 1000);
  const run = <T>(title: string, oid: string) => {
    const panel = ANALYTICS_PANELS.find((p) => p.title === title);
    const sql = expandMacros(panel!.queries[0]!.expr, {
      from: now - 3600,
      to: now + 3600,
      intervalS: 60,
      vars: { oid, analytics_bit: '1', marketing_bit: '2' },
    });
    return live.rows<T>(sql);
  };

  it('runs every panel query, for one site and for all', async () => {
    for (const p of ANALYTICS_PANELS) {
      for (const oid of [SITE, ALL]) await expect(run(p.title, oid), p.title).resolves.toBeInstanceOf(Array);
    }
  });

  it('shows the numbers the store holds', async () => {
    const perMinute = await run<{ events: string }>('Events per minute', SITE);
    expect(perMinute.reduce((n, r) => n + Number(r.events), 0)).toBe(5);
    const [totals] = await run<{ page_views: string; events: string }>('Totals', ALL);
    expect([Number(totals?.page_views), Number(totals?.events)]).toEqual([5, 6]);
    const pages = await run<{ page: string; views: string }>('Top pages', SITE);
    expect(pages.map((r) => [r.page, Number(r.views)])).toEqual([
      ['/pricing', 3],
      ['/docs', 1],
    ]);
    const referrers = await run<{ referrer: string; views: string }>('Referrers', SITE);
    expect(referrers.map((r) => [r.referrer, Number(r.views)])).toEqual([['news.example', 2]]);
    // Grafana's Referrers read `last` only: a referrer in the referrer column, which the ingest's own
    // dashboard counts, was missing from it
    const other = await run<{ referrer: string; views: string }>('Referrers', OTHER);
    expect(other.map((r) => [r.referrer, Number(r.views)])).toEqual([['search.example', 1]]);
    const campaigns = await run<{ source: string; events: string }>('Campaigns (UTM)', SITE);
    expect(campaigns.map((r) => [r.source, Number(r.events)])).toEqual([['newsletter', 1]]);
    const countries = await run<{ country: string; events: string }>('Countries', SITE);
    expect(countries.map((r) => [r.country, Number(r.events)]).sort()).toEqual([
      ['DE', 3],
      ['US', 2],
    ]);
    const [consent] = await run<{ analytics: number; marketing: number }>('Consent', SITE);
    // cflags 3, 3, 1, 7 on the four page views: analytics (bit 1) on three, marketing (bit 2) on one
    expect([Number(consent?.analytics), Number(consent?.marketing)]).toEqual([75, 25]);
  });
});
