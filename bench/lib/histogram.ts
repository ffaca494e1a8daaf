// Percentiles of a Prometheus histogram read from a /metrics text: what the operator's reaction, queue
// wait and request histograms say, as the bucket bounds the values fall under (a histogram knows no more).
/**
 * Quantiles of a Prometheus histogram as the bucket bound they fall under ("≤ 25 ms"). `only` keeps the
 * label sets whose every named label has one of the values given.
 */
export function histogramQuantiles(
  text: string,
  name: string,
  only?: Record<string, string | readonly string[]>,
) {
  // Buckets summed over every label set (or only those matching `only`), by bound.
  const byLe = new Map<number, number>();
  for (const m of text.matchAll(new RegExp(`^${name}_bucket\\{([^}]*)\\} (\\d+)`, 'gm'))) {
    const labels = Object.fromEntries(
      [...(m[1] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]),
    );
    if (only && Object.entries(only).some(([k, v]) => ![v].flat().includes(labels[k] ?? ''))) continue;
    const le = labels.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(labels.le);
    byLe.set(le, (byLe.get(le) ?? 0) + Number(m[2]));
  }
  const buckets = [...byLe].sort((a, b) => a[0] - b[0]).map(([le, n]) => ({ le, n }));
  const count = buckets.at(-1)?.n ?? 0;
  const at = (q: number) => {
    const b = buckets.find((x) => x.n >= q * count);
    if (count === 0 || b === undefined) return '-';
    return Number.isFinite(b.le) ? `≤ ${b.le * 1000} ms` : `> ${(buckets.at(-2)?.le ?? 0) * 1000} ms`;
  };
  return { count, p50: at(0.5), p99: at(0.99), max: at(1) };
}
