// An opt-in trace of every reaction, exact: one JSON line per reconcile that wrote, appended to a file
// (`diagnostics.reactionTraceFile`). The reaction histogram (operator/metrics.ts) can only say which
// bucket a percentile falls in, and the bench's goal sits on a bucket bound; the trace gives the same
// reactions in milliseconds, split into the parts the controller can tell apart. Off by default: a
// production operator has no use for a file that grows with every reconcile.
import { createWriteStream, type WriteStream } from 'node:fs';

export interface ReactionRecord {
  /** `namespace/name` of the TrackerCluster. */
  readonly cluster: string;
  /** The step that made the reconcile's first write. */
  readonly step: string;
  /** The event that started the clock → the first write handed to the HTTP client (the histogram's value). */
  readonly ms: number;
  /** The event → the start of the reconcile (waiting for a worker or the cluster's running reconcile). */
  readonly waitedMs: number;
  /** Of the rest, the part a status write waited for the answer to the cluster's previous one. */
  readonly statusWaitMs?: number;
  /** A status a newer one replaced before it was sent: `ms` runs to that one's send. */
  readonly replaced?: boolean;
  /**
   * The steps that ran to completion before the first write, each with its duration in ms (the rest of
   * `ms - waitedMs` is the writing step's part up to its write): which work, or which wait for other
   * reconciles at a step's awaits, a slow reaction sat in.
   */
  readonly steps?: Readonly<Record<string, number>>;
  /** When the write was handed over (epoch ms), to lay beside other traces. */
  readonly at: number;
}

export interface ReactionTrace {
  record(r: ReactionRecord): void;
  close(): Promise<void>;
}

/** The trace writing to `file` (appended), or undefined when `file` is empty (the default: off). */
export function reactionTrace(file: string): ReactionTrace | undefined {
  if (file === '') return undefined;
  const out: WriteStream = createWriteStream(file, { flags: 'a' });
  return {
    record: (r) => void out.write(`${JSON.stringify(r)}\n`),
    close: () => new Promise((resolve) => out.end(resolve)),
  };
}
