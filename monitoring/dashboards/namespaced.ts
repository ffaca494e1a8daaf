// PromQL for the Prometheus dashboards, every selector limited to the dashboard's `namespace` variable.

export const NS = 'namespace=~"$namespace"';

/** Per-second rate of a counter summed by `by`; `extra` adds label matchers (`,status=~"5.."`). */
export const rate = (metric: string, by: string, extra = '') =>
  `sum by (${by}) (rate(${metric}{${NS}${extra}}[$__rate_interval]))`;

/** The q-quantile of a histogram, by `by`. */
export const quantile = (q: number, metric: string, by: string) =>
  `histogram_quantile(${q}, sum by (le, ${by}) (rate(${metric}_bucket{${NS}}[$__rate_interval])))`;
