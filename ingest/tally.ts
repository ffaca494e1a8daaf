// Counters on the request path without prom-client's per-call work. A prom-client `inc(labels, n)` hashes
// the label object into a key and checks every label on each call; a single-event request made three such
// calls for label sets that hardly ever change (its route, method and status; the table, twice). A tally
// keeps a plain number per label set and adds what it counted to its prom-client counter whenever the
// counter is read (prom-client's `collect`, run by every scrape), so a scrape sees the same counts.
import { Counter, type CounterConfiguration, type LabelValues } from 'prom-client';

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
