// PromQL read with Prometheus' own grammar (@prometheus-io/lezer-promql): the metric names an expression
// selects, and a refusal of expressions that do not parse. Grafana's variables are replaced by values of
// the right kind first, since they are not PromQL. Used by the monitoring tests.
import { parser } from '@prometheus-io/lezer-promql';

const GRAFANA_VARS: readonly [RegExp, string][] = [
  [/\$__rate_interval|\$__interval|\$__range/g, '5m'],
  [/\$\{?[A-Za-z_]\w*\}?/g, '.*'],
];

/** Metric names the expression selects; throws when it is not valid PromQL. */
export function metricNames(expr: string): string[] {
  const text = GRAFANA_VARS.reduce((e, [re, value]) => e.replace(re, value), expr);
  const names = new Set<string>();
  const errors: number[] = [];
  parser.parse(text).iterate({
    enter(node) {
      if (node.type.isError) errors.push(node.from);
      if (node.name === 'Identifier' && node.node.parent?.name === 'VectorSelector')
        names.add(text.slice(node.from, node.to));
    },
  });
  if (errors.length > 0) throw new Error(`not valid PromQL at ${errors[0]}: ${text}`);
  return [...names];
}

/** Metric families declared by a Prometheus text exposition (`# TYPE name kind`). */
export function exposedFamilies(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) out.set(m[1]!, m[2]!);
  return out;
}

/** Whether a selected name is exported: itself, or a histogram/summary's _bucket, _sum or _count series. */
export function isExported(name: string, families: ReadonlyMap<string, string>): boolean {
  if (families.has(name)) return true;
  const m = /^(.*)_(bucket|sum|count)$/.exec(name);
  const kind = m ? families.get(m[1]!) : undefined;
  return kind === 'histogram' || (kind === 'summary' && m?.[2] !== 'bucket');
}

/** A series an expression selects: its metric name and the label values its `=` matchers require. */
export interface SelectedSeries {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
}

/**
 * The counters an expression takes the increase() or rate() of. Prometheus counts those from a series'
 * first sample: a series that appears only with the first event (already at 1) increases by nothing, so
 * an alert on it would never fire for a single event; each must be exported from the start.
 */
export function increasedSeries(expr: string): SelectedSeries[] {
  metricNames(expr); // refuses what is not PromQL
  const found: SelectedSeries[] = [];
  for (const m of expr.matchAll(/\b(?:increase|rate)\(\s*([A-Za-z_:][\w:]*)\s*(\{[^}]*\})?\s*\[/g)) {
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/(\w+)\s*=\s*"([^"]*)"/g)) labels[l[1]!] = l[2]!;
    found.push({ name: m[1]!, labels });
  }
  return found;
}

/** The series of a Prometheus text exposition (its samples' names and labels). */
export function exposedSeries(text: string): SelectedSeries[] {
  const out: SelectedSeries[] = [];
  for (const m of text.matchAll(/^([A-Za-z_:][\w:]*)(?:\{([^}]*)\})? \S+$/gm)) {
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    out.push({ name: m[1]!, labels });
  }
  return out;
}
