// One table's log in the disk spool: pending rows in seq order, batches cut from the head, commits.
//
// Exactly-once in effect: a batch is a contiguous seq range whose boundary (a Cut record) is durable
// before the insert is sent, and its dedup token is derived from that range. After a crash the same
// ranges are replayed with the same tokens, so ClickHouse drops what it already has.
//
// Bounded memory: rows stay cached in memory only while the shared budget allows; beyond it pending
// rows are "runs" (a segment offset and a seq range) read back from disk when their batch is cut.
import type { SpoolBatch, TableLog, TakeLimits } from '../contract.ts';
import { spoolBatch } from './batch.ts';
import { decodeRecords, jsonPayload, parsePayload, RecordType, type WalRecord } from './record.ts';
import { listSegments, readSegment } from './segment-files.ts';
import { type Segment, SegmentWriter, type WriterOptions, type Written } from './segments.ts';
import { Spare } from './spare.ts';

export class MemoryBudget {
  used = 0;
  readonly limit: number;
  constructor(limit: number) {
    this.limit = limit;
  }
  tryTake(bytes: number): boolean {
    if (this.used + bytes > this.limit) return false;
    this.used += bytes;
    return true;
  }
  release(bytes: number): void {
    this.used -= bytes;
  }
}

interface Cached {
  readonly kind: 'cached';
  /** When it was appended (the time strategies age the head of the queue). */
  readonly at: number;
  readonly seq: number;
  readonly rows: number;
  readonly lines: Buffer;
}

/** Pending Data records [firstSeq, lastSeq] of one segment, starting at `offset`; not in memory. */
interface Run {
  readonly kind: 'run';
  at: number;
  readonly segment: number;
  offset: number;
  /** Offset just after its last record (markers of other batches may sit in between). */
  end: number;
  lastSeq: number;
  rows: number;
  bytes: number;
  count: number;
}

type Pending = Cached | Run;
/** Extra bytes read past the wanted amount, for record headers and interleaved batch markers. */
const READ_SLACK = 256 * 1024;
interface Range {
  readonly from: number;
  readonly to: number;
}
interface Taken {
  readonly seq: number;
  readonly rows: number;
  readonly lines: Buffer;
}

export interface TableLogOptions extends WriterOptions {
  readonly spoolId: string;
  readonly budget: MemoryBudget;
  readonly now: () => number;
}

export class DiskTableLog implements TableLog {
  readonly table: string;
  readonly #writer: SegmentWriter;
  readonly #opts: TableLogOptions;
  readonly #pending: Pending[] = [];
  /** Batch ranges cut before a crash and not committed: replayed first, exactly as they were. */
  readonly #cuts: Range[];
  #rows = 0;
  #bytes = 0;
  #oldestAt: number | undefined;
  #committed: number;

  private constructor(
    table: string,
    writer: SegmentWriter,
    opts: TableLogOptions,
    committed: number,
    cuts: Range[],
  ) {
    this.table = table;
    this.#writer = writer;
    this.#opts = opts;
    this.#committed = committed;
    this.#cuts = cuts;
  }

  /** Opens the log in `dir`, recovering pending rows and uncommitted batch boundaries. */
  static async open(dir: string, table: string, opts: TableLogOptions): Promise<DiskTableLog> {
    const ids = await listSegments(dir);
    const scan = await scanSegments(dir, ids);
    opts.space.used += scan.segments.reduce((n, s) => n + s.size, 0);
    // An empty last segment is named after the next seq (see deleteThrough).
    const nextSeq = Math.max(scan.lastSeq + 1, ids.at(-1) ?? 1);
    const writer = new SegmentWriter(
      dir,
      scan.segments,
      nextSeq,
      opts,
      await Spare.open(dir, opts.segmentBytes),
    );
    const cuts = scan.cuts.filter((c) => c.to > scan.committed).sort((a, b) => a.from - b.from);
    const log = new DiskTableLog(table, writer, opts, scan.committed, cuts);
    for (const run of scan.runs) log.#pushRun(run);
    await writer.deleteThrough(scan.committed);
    return log;
  }

  get pending(): { rows: number; bytes: number; oldestAt: number | undefined } {
    return { rows: this.#rows, bytes: this.#bytes, oldestAt: this.#oldestAt };
  }

  async append(lines: Buffer, rows: number): Promise<void> {
    await this.#writer.write(RecordType.Data, lines, (w) => {
      const at = this.#opts.now();
      if (this.#opts.budget.tryTake(lines.length))
        this.#pending.push({ kind: 'cached', at, seq: w.seq, rows, lines });
      else this.#extendRun(at, w, rows, lines.length);
      this.#rows += rows;
      this.#bytes += lines.length;
      this.#oldestAt ??= at;
    });
  }

  async take(limits: TakeLimits): Promise<SpoolBatch | undefined> {
    if (this.#pending.length === 0) return undefined;
    const replay = this.#cuts[0];
    const taken = await this.#collect(
      replay ? { maxRows: Infinity, maxBytes: Infinity, through: replay.to } : limits,
    );
    const first = taken[0];
    const last = taken.at(-1);
    if (!first || !last) return undefined;
    const range = { from: first.seq, to: last.seq };
    // The boundary must be durable before the insert leaves: a replay must cut the very same batch.
    if (!replay) await this.#writer.write(RecordType.Cut, jsonPayload(range));
    this.#consume(taken);
    const rows = taken.reduce((n, t) => n + t.rows, 0);
    return spoolBatch(
      {
        table: this.table,
        token: `${this.#opts.spoolId}.${this.table}.${range.from}-${range.to}`,
        from: range.from,
        to: range.to,
        rows,
      },
      taken.map((t) => t.lines),
    );
  }

  async commit(batch: SpoolBatch): Promise<void> {
    this.#committed = Math.max(this.#committed, batch.to);
    if (this.#cuts[0]?.to === batch.to) this.#cuts.shift();
    // Not awaited for correctness: if this record is lost, the batch is replayed with its token and
    // deduplicated by the store. Awaited only to keep the write order simple.
    await this.#writer.write(RecordType.Commit, jsonPayload({ to: batch.to })).catch(() => undefined);
    await this.#writer.deleteThrough(this.#committed);
  }

  async close(): Promise<void> {
    await this.#writer.close();
  }

  /** Picks records from the head within the limits (always at least one record). Does not mutate. */
  async #collect(limits: TakeLimits & { through?: number }): Promise<Taken[]> {
    const taken: Taken[] = [];
    let rows = 0;
    let bytes = 0;
    const fits = (r: number, b: number) =>
      taken.length === 0 || (rows + r <= limits.maxRows && bytes + b <= limits.maxBytes);
    for (const p of this.#pending) {
      const before = taken.length;
      const records =
        p.kind === 'cached' ? [p] : await this.#readRun(p, Math.min(limits.maxBytes - bytes, 1 << 30));
      for (const r of records) {
        if (limits.through !== undefined ? r.seq > limits.through : !fits(r.rows, r.lines.length))
          return taken;
        taken.push(r);
        rows += r.rows;
        bytes += r.lines.length;
      }
      if (p.kind === 'run' && taken.length - before < p.count) return taken;
    }
    return taken;
  }

  /** Reads about `wantBytes` of the run (whole records only; at least one). */
  async #readRun(run: Run, wantBytes: number): Promise<Taken[]> {
    const extent = run.end - run.offset;
    const decoded = decodeData(
      await this.#writer.read(run.segment, run.offset, Math.min(extent, wantBytes + READ_SLACK)),
      run,
    );
    if (decoded.length > 0 || extent <= wantBytes + READ_SLACK) return decoded;
    // The first record alone is larger than the slack: read the whole run once.
    return decodeData(await this.#writer.read(run.segment, run.offset, extent), run);
  }

  /**
   * Removes what `take` consumed from the head (appends may have extended the tail run meanwhile). The
   * consumed entries are dropped with ONE splice: shifting a long array one entry at a time copies it
   * each time (a batch of 100,000 single-row appends took seconds).
   */
  #consume(taken: Taken[]): void {
    let i = 0;
    let head = 0;
    while (i < taken.length && head < this.#pending.length) {
      const p = this.#pending[head] as Pending;
      if (p.kind === 'cached') {
        this.#opts.budget.release(p.lines.length);
        this.#account(p.rows, p.lines.length);
        head++;
        i++;
        continue;
      }
      while (i < taken.length && p.count > 0 && (taken[i]?.seq ?? Infinity) <= p.lastSeq) {
        const t = taken[i] as Taken & { next?: number };
        p.count--;
        p.rows -= t.rows;
        p.bytes -= t.lines.length;
        p.offset = t.next ?? p.offset;
        this.#account(t.rows, t.lines.length);
        i++;
      }
      if (p.count > 0) break;
      head++;
    }
    this.#pending.splice(0, head);
    this.#oldestAt = this.#pending[0]?.at;
  }

  #account(rows: number, bytes: number): void {
    this.#rows -= rows;
    this.#bytes -= bytes;
  }

  #extendRun(at: number, w: Written, rows: number, bytes: number): void {
    const tail = this.#pending.at(-1);
    if (tail?.kind === 'run' && tail.segment === w.segment) {
      tail.lastSeq = w.seq;
      tail.end = w.offset + w.size;
      tail.rows += rows;
      tail.bytes += bytes;
      tail.count++;
    } else {
      const { segment, offset, seq: lastSeq } = w;
      this.#pending.push({
        kind: 'run',
        at,
        segment,
        offset,
        end: offset + w.size,
        lastSeq,
        rows,
        bytes,
        count: 1,
      });
    }
  }

  /** Recovered rows are due at once (their age is unknown and at least a restart long): at = 0. */
  #pushRun(run: Run): void {
    this.#pending.push(run);
    this.#rows += run.rows;
    this.#bytes += run.bytes;
    this.#oldestAt ??= run.at;
  }
}

/** Data records of a run from a buffer read at run.offset; `next` is the offset after each record. */
function decodeData(buf: Buffer, run: Run): (Taken & { next: number })[] {
  const out: (Taken & { next: number })[] = [];
  for (const r of decodeRecordsAt(buf, run.offset)) {
    if (r.type !== RecordType.Data) continue;
    if (r.seq > run.lastSeq) break;
    out.push({
      seq: r.seq,
      rows: countLines(r.payload),
      // A view of the buffer read (about one batch in size, so keeping it while the batch lives costs
      // no more than a copy would).
      lines: r.payload,
      next: r.offset + r.size,
    });
  }
  return out;
}

const decodeRecordsAt = (buf: Buffer, base: number) => decodeRecords(buf, base).records;

export function countLines(lines: Buffer): number {
  let n = 0;
  for (let i = lines.indexOf(10); i !== -1; i = lines.indexOf(10, i + 1)) n++;
  return n;
}

interface Scan {
  readonly segments: Segment[];
  readonly runs: Run[];
  readonly cuts: Range[];
  readonly committed: number;
  readonly lastSeq: number;
}

/** Recovery: two passes, first for what is committed, then for the runs of what is not. */
async function scanSegments(dir: string, ids: number[]): Promise<Scan> {
  const first = await scanMarkers(dir, ids);
  const runs: Run[] = [];
  for (const [i, id] of ids.entries()) {
    const run = pendingRun(id, (await readSegment(dir, id, i === ids.length - 1)).records, first.committed);
    if (run) runs.push(run);
  }
  return { ...first, runs };
}

async function scanMarkers(dir: string, ids: number[]): Promise<Omit<Scan, 'runs'>> {
  const segments: Segment[] = [];
  const cuts: Range[] = [];
  let committed = 0;
  let lastSeq = 0;
  for (const [i, id] of ids.entries()) {
    const seg = await readSegment(dir, id, i === ids.length - 1);
    const segment: Segment = { id, size: seg.size, durable: seg.size, lastDataSeq: 0 };
    for (const r of seg.records) {
      lastSeq = Math.max(lastSeq, r.seq);
      if (r.type === RecordType.Data) segment.lastDataSeq = r.seq;
      else if (r.type === RecordType.Cut) cuts.push(parsePayload<Range>(r.payload));
      else if (r.type === RecordType.Commit)
        committed = Math.max(committed, parsePayload<{ to: number }>(r.payload).to);
    }
    segments.push(segment);
  }
  return { segments, cuts, committed, lastSeq };
}

/** The uncommitted Data records of one segment as a single run (markers in between are skipped). */
function pendingRun(id: number, records: readonly WalRecord[], committed: number): Run | undefined {
  let run: Run | undefined;
  for (const r of records) {
    if (r.type !== RecordType.Data || r.seq <= committed) continue;
    run ??= {
      kind: 'run',
      at: 0,
      segment: id,
      offset: r.offset,
      end: 0,
      lastSeq: r.seq,
      rows: 0,
      bytes: 0,
      count: 0,
    };
    run.lastSeq = r.seq;
    run.end = r.offset + r.size;
    run.rows += countLines(r.payload);
    run.bytes += r.payload.length;
    run.count++;
  }
  return run;
}
