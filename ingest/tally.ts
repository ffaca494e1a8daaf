// Counters on the request path without prom-client's per-call work. A prom-client `inc(labels, n)` hashes
// the label object into a key and checks every label on each call; a single-event request made three such
// calls for label sets that hardly ever change (its route, method and status; the table, twice). A tally
// keeps a plain number per label set and adds what it counted to its prom-client counter whenever the
// counter is read (prom-client's `collect`, run by every scrape), so a scrape sees the same counts.
import { Counter, type CounterConfiguration, Histogram, type LabelValues } from 'prom-client';

/** The count of one label set since the counter was last read: keep it, and add to `n`. */
export interface TallyCell {
  n: number;
}

interface LabelledCell<T extends string> extends TallyCell {
  readonly labels: LabelValues<T>;
}

export class Tally<T extends string> {
  readonly counter: Counter<T>;
  readonly #cells: LabelledCell<T>[] = [];

  constructor(config: Omit<CounterConfiguration<T>, 'collect'>) {
    const cells = this.#cells;
    this.counter = new Counter<T>({
      ...config,
      collect(this: Counter<T>) {
        for (const cell of cells) {
          if (cell.n === 0) continue;
          this.inc(cell.labels, cell.n);
          cell.n = 0;
        }
      },
    });
  }

  /** A new cell for one label set; the caller keeps it (one cell per label set, or counts are split). */
  cell(labels: LabelValues<T>): TallyCell {
    const cell: LabelledCell<T> = { labels, n: 0 };
    this.#cells.push(cell);
    return cell;
  }

  /** Counts by the value of one label, with a cell per value made on first use (e.g. a table's name). */
  by(label: T): (value: string, n: number) => void {
    const cells = new Map<string, TallyCell>();
    return (value, n) => {
      let cell = cells.get(value);
      if (cell === undefined) {
        cell = this.cell({ [label]: value } as LabelValues<T>);
        cells.set(value, cell);
      }
      cell.n += n;
    };
  }
}

/** What prom-client's Histogram keeps per label set (not in its types; stable across its 15.x releases). */
interface HistogramEntry {
  readonly labels: object;
  readonly bucketValues: Record<number, number>;
  sum: number;
  count: number;
}
interface HistogramInternals {
  readonly hashMap: Record<string, HistogramEntry>;
  readonly upperBounds: readonly number[];
}

/** The observations of one label set since the histogram was last read. */
export class HistogramCell {
  /** Per bucket (the last: above every bound), and the sum and count of the observations. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;
  /** Where the cell was last folded into: the histogram's key and entry for its labels. */
  key = '';
  entry: HistogramEntry | undefined;

  /** When the cell's first observation since the last read came, by its histogram's count of them. */
  first = 0;
  readonly labels: object;
  readonly bounds: readonly number[];
  readonly #clock: { n: number };

  constructor(labels: object, bounds: readonly number[], clock: { n: number }) {
    this.labels = labels;
    this.bounds = bounds;
    this.#clock = clock;
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    if (!Number.isFinite(value)) throw new TypeError(`Value is not a valid number: ${value}`);
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > (bounds[i] as number)) i++;
    this.counts[i] = (this.counts[i] as number) + 1;
    this.sum += value;
    if (this.count++ === 0) this.first = this.#clock.n++;
  }
}

const sameLabels = (a: object, b: object): boolean => {
  const ka = Object.keys(a);
  const rb = b as Record<string, unknown>;
  return ka.length === Object.keys(b).length && ka.every((k) => (a as Record<string, unknown>)[k] === rb[k]);
};

/** prom-client's own rendering of a read, called after the cells are folded in. */
const promStringOf = (Histogram.prototype as unknown as { getForPromString(): Promise<unknown> })
  .getForPromString;

/**
 * A prom-client Histogram whose hot path observes through cells: `observe(labels, v)` (or a child from
 * `labels()`) validates and hashes the label object on every call, a cell counts into an array. The cells
 * are added into the histogram's own per-label-set entries whenever it is read (every scrape), so the
 * exposition text is what the same observations made through `observe` give; only the sum's rounding may
 * differ in its last digits (the observations between two reads are summed before being added).
 */
export class TallyHistogram<T extends string> extends Histogram<T> {
  readonly #cells: HistogramCell[] = [];
  readonly #clock = { n: 0 };

  /** A new cell for one label set; the caller keeps it (one cell per label set is cheapest, more are summed). */
  cell(labels: LabelValues<T>): HistogramCell {
    const cell = new HistogramCell(labels, (this as unknown as HistogramInternals).upperBounds, this.#clock);
    this.#cells.push(cell);
    return cell;
  }

  // What every read goes through (a registry's scrape, and `get`); prom-client's types do not declare it.
  getForPromString(): Promise<unknown> {
    this.#fold();
    return promStringOf.call(this);
  }

  /** In the order of their first observations, so that new series are listed as prom-client lists them. */
  #fold(): void {
    const observed = this.#cells.filter((cell) => cell.count > 0).sort((a, b) => a.first - b.first);
    for (const cell of observed) {
      const entry = this.#entryOf(cell);
      const { bounds, counts } = cell;
      const buckets = entry.bucketValues;
      for (let i = 0; i < bounds.length; i++) {
        const bound = bounds[i] as number;
        buckets[bound] = (buckets[bound] as number) + (counts[i] as number);
      }
      entry.sum += cell.sum;
      entry.count += cell.count;
      counts.fill(0);
      cell.sum = 0;
      cell.count = 0;
    }
  }

  /** The histogram's entry for the cell's labels, made as `zero` makes it when there is none yet. */
  #entryOf(cell: HistogramCell): HistogramEntry {
    const { hashMap } = this as unknown as HistogramInternals;
    const held = hashMap[cell.key];
    if (held !== undefined && held === cell.entry) return held;
    const find = () => Object.entries(hashMap).find(([, e]) => sameLabels(e.labels, cell.labels));
    let found = find();
    if (found === undefined) {
      this.zero(cell.labels as LabelValues<T>);
      found = find();
    }
    if (found === undefined) throw new Error("a histogram's zero() made no entry for a cell's labels");
    [cell.key, cell.entry] = found;
    return found[1];
  }
}
