// The generated dashboards against what Grafana requires of a dashboard (no maintained validator of
// Grafana's dashboard schema installs from npm; the SDK's generated types check the shape at compile time,
// this checks the values): ids, grid positions, data sources bound to a declared variable, one refId per
// query, and every PromQL expression valid for Prometheus' own parser.
import type { Dashboard, Panel } from '@grafana/grafana-foundation-sdk/dashboard';
import { describe, expect, it } from 'vitest';
import { DASHBOARDS } from './dashboards/index.ts';
import { CLICKHOUSE_TYPE, PROMETHEUS_TYPE } from './grafana.ts';
import { exposedFamilies, isExported, metricNames } from './promql.ts';

const PANEL_TYPES = new Set(['timeseries', 'stat', 'table']);
const all = Object.entries(DASHBOARDS).map(([file, build]) => [file, build()] as const);
const panelsOf = (d: Dashboard) => (d.panels ?? []) as Panel[];
const targetsOf = (p: Panel) => (p.targets ?? []) as unknown as Record<string, unknown>[];

describe.each(all)('%s', (_file, d) => {
  it('has the dashboard fields Grafana requires', () => {
    expect(d.title).toMatch(/^Tracker \/ /);
    expect(d.uid).toMatch(/^[A-Za-z0-9_-]{1,40}$/);
    expect(d.schemaVersion).toBeGreaterThanOrEqual(36);
    expect(d.time).toEqual({ from: 'now-6h', to: 'now' });
    for (const v of d.templating?.list ?? []) expect(v).toMatchObject({ name: expect.any(String) });
    expect(panelsOf(d).length).toBeGreaterThan(0);
  });

  it('gives every panel a unique id, a known type, a title and a place on the 24-column grid', () => {
    const ids = panelsOf(d).map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of panelsOf(d)) {
      expect(Number.isInteger(p.id)).toBe(true);
      expect(PANEL_TYPES).toContain(p.type);
      expect(p.title).not.toBe('');
      const g = p.gridPos!;
      expect(g.w).toBeGreaterThan(0);
      expect(g.h).toBeGreaterThan(0);
      expect(g.x + g.w).toBeLessThanOrEqual(24);
    }
  });

  it("binds every panel and query to the dashboard's datasource variable of the right type", () => {
    const variable = d.templating?.list?.find((v) => v.type === 'datasource');
    expect(variable).toMatchObject({ name: 'datasource' });
    const type = variable?.query as string;
    expect([PROMETHEUS_TYPE, CLICKHOUSE_TYPE]).toContain(type);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a Grafana variable reference, not a JS template
    const bound = { type, uid: '${datasource}' };
    for (const p of panelsOf(d)) {
      expect(p.datasource).toEqual(bound);
      for (const t of targetsOf(p)) expect(t.datasource).toEqual(bound);
    }
  });

  it('gives each query a unique refId and a non-empty, parseable expression', () => {
    for (const p of panelsOf(d)) {
      const targets = targetsOf(p);
      expect(targets.length).toBeGreaterThan(0);
      expect(new Set(targets.map((t) => t.refId)).size).toBe(targets.length);
      for (const t of targets) {
        if (t.expr !== undefined) expect(metricNames(String(t.expr)).length).toBeGreaterThan(0);
        else expect(String(t.rawSql)).toMatch(/^SELECT .+ FROM events /);
      }
    }
  });
});

// A single ingest scraped by a static target has no namespace label; All must still select its series.
describe('the namespace variable of the Prometheus dashboards', () => {
  it.each(all.filter(([, d]) => JSON.stringify(d).includes('$namespace')))('%s: All is .*', (_file, d) => {
    const variable = d.templating?.list?.find((v) => v.name === 'namespace');
    expect(variable).toMatchObject({ includeAll: true, allValue: '.*' });
  });
});

describe('metricNames', () => {
  it.each([
    ['sum by (route) (rate(a_total{namespace=~"$namespace"}[$__rate_interval]))', ['a_total']],
    ['histogram_quantile(0.99, sum by (le) (rate(b_seconds_bucket[5m]))) > c', ['b_seconds_bucket', 'c']],
    ['max(d) == 2', ['d']],
  ])('%s → %j', (expr, names) => {
    expect(metricNames(expr)).toEqual(names);
  });

  it('refuses an expression Prometheus would not parse', () => {
    expect(() => metricNames('sum by (route (rate(x[5m]))')).toThrow(/not valid PromQL/);
  });
});

describe('isExported', () => {
  const families = exposedFamilies(
    ['# HELP a_total x', '# TYPE a_total counter', '# TYPE d_seconds histogram', '# TYPE s summary'].join(
      '\n',
    ),
  );
  it.each([
    ['a_total', true],
    ['d_seconds_bucket', true],
    ['d_seconds_count', true],
    ['s_sum', true],
    ['s_bucket', false],
    ['a', false],
    ['tracker_missing_total', false],
  ])('%s → %s', (name, exported) => {
    expect(isExported(name, families)).toBe(exported);
  });
});
