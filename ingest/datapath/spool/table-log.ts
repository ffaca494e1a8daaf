// One table's log in the disk spool: pending rows in seq order, batches cut from the head, commits.
//
// Exactly-once in effect: a batch is a contiguous seq range whose boundary (a Cut record) is durable
// before the insert is sent, and its dedup token is derived from that range. After a crash the same
// ranges are replayed with the same tokens, so ClickHouse drops what it already has.
//
// Bounded memory: rows stay cached in memory only while the shared budget allows, and a batch's cached
// rows count against it until the batch is committed; beyond it pending rows are "runs" (a segment offset
// and a seq range), read back from disk a chunk at a time when their batch is cut and again as it is sent
// (extent.ts), so neither the cache nor a batch in flight grows with the load.
import type { BodyBuffers, BodyReader } from '../../../store/index.ts';
import type { SpoolBatch, TableLog, TakeLimits } from '../contract.ts';
import { spoolBatch } from './batch.ts';
import { type Extent, extentLines, firstDataSeq, READ_CHUNK, recordsIn, Scratch } from './extent.ts';
import { jsonPayload, parsePayload, RecordType, type WalRecord } from './record.ts';
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
interface Range {
  readonly from: number;
  readonly to: number;
}
/**
 * What a take picked from the head: a cached record, or the leading `count` records of a run (its first
 * Data seq `firstSeq`, its last `seq`), which stay on disk and are read as the batch is sent.
 */
type Taken =
  | Cached
  | {
      readonly kind: 'run';
      readonly firstSeq: number;
      readonly seq: number;
      readonly rows: number;
      readonly bytes: number;
      readonly count: number;
      readonly extent: Extent;
    };
/** Running totals of a take, and the test a next record must pass (limits, or a replayed boundary). */
interface Collecting {
  readonly taken: Taken[];
  records: number;
  rows: number;
  bytes: number;
  /** Whether the next record (`rows`, `bytes`, after `before` records not yet added) joins the batch. */
  readonly accepts: (seq: number, rows: number, bytes: number, before?: number) => boolean;
}

export interface TableLogOptions extends WriterOptions {
  readonly spoolId: string;
  readonly budget: MemoryBudget;
  readonly now: () => number;
}

/** An append resolves to nothing (where its record went stays the writer's). */
const nothing = (): void => undefined;

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
  /** Bytes of cached rows each batch in flight holds (by its last seq), released when it is committed. */
  readonly #held = new Map<number, number>();
  /** The seq of the last row recovered at open (0: none): committing a batch through it recovers all. */
  #through = 0;
  readonly #recovered = Promise.withResolvers<void>();
  /** What cutting a batch reads from disk (to count rows up to the limits) is read into this, then dropped. */
  readonly #scratch = new Scratch();

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
    if (log.#through === 0) log.#recovered.resolve();
    await writer.deleteThrough(scan.committed);
    return log;
  }

  /** Resolves once a batch through the last row recovered at open is committed (it is in the store). */
  get recovered(): Promise<void> {
    return this.#recovered.promise;
  }

  get pending(): { rows: number; bytes: number; oldestAt: number | undefined } {
    return { rows: this.#rows, bytes: this.#bytes, oldestAt: this.#oldestAt };
  }

  /** Why this log refuses every append until a restart, if it does (SegmentWriter.broken). */
  get broken(): string | undefined {
    return this.#writer.broken;
  }

  /**
   * No async frame of its own: one per append was most of what the spool allocated per request. `lines`
   * is the caller's only until this settles (TableLog): the row cache keeps a copy of its own.
   */
  append(lines: Buffer, rows: number): Promise<void> {
    const written = this.#writer.write(RecordType.Data, lines, (w) => {
      const at = this.#opts.now();
      if (this.#opts.budget.tryTake(lines.length))
        this.#pending.push({ kind: 'cached', at, seq: w.seq, rows, lines: Buffer.from(lines) });
      else this.#extendRun(at, w, rows, lines.length);
      this.#rows += rows;
      this.#bytes += lines.length;
      this.#oldestAt ??= at;
    });
    return written.then(nothing);
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
    const range = { from: first.kind === 'run' ? first.firstSeq : first.seq, to: last.seq };
    // The boundary must be durable before the insert leaves: a replay must cut the very same batch.
    if (!replay) await this.#writer.write(RecordType.Cut, jsonPayload(range));
    this.#consume(taken);
    this.#hold(range.to, taken);
    const rows = taken.reduce((n, t) => n + t.rows, 0);
    return spoolBatch(
      {
        table: this.table,
        token: `${this.#opts.spoolId}.${this.table}.${range.from}-${range.to}`,
        from: range.from,
        to: range.to,
        rows,
      },
      this.#pieces(taken),
    );
  }

  async commit(batch: SpoolBatch): Promise<void> {
    if (batch.to >= this.#through) this.#recovered.resolve();
    this.#opts.budget.release(this.#held.get(batch.to) ?? 0);
    this.#held.delete(batch.to);
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

  /**
   * Picks records from the head within the limits (always at least one record), or through a replayed
   * boundary. A run that fits whole is taken as it stands; one that does not is read up to where the
   * batch ends (a chunk at a time, nothing kept). Does not mutate.
   */
  async #collect(limits: TakeLimits & { through?: number }): Promise<Taken[]> {
    const c: Collecting = {
      taken: [],
      records: 0,
      rows: 0,
      bytes: 0,
      accepts: (seq, rows, bytes, before = 0) =>
        limits.through !== undefined
          ? seq <= limits.through
          : c.records + before === 0 ||
            (c.rows + rows <= limits.maxRows && c.bytes + bytes <= limits.maxBytes),
    };
    const fitsWhole = (p: Run) =>
      limits.through !== undefined
        ? p.lastSeq <= limits.through
        : c.rows + p.rows <= limits.maxRows && c.bytes + p.bytes <= limits.maxBytes;
    for (const p of this.#pending) {
      if (p.kind === 'cached') {
        if (!c.accepts(p.seq, p.rows, p.lines.length)) break;
        add(c, p, 1, p.lines.length);
      } else if (p.count > 0 && fitsWhole(p)) {
        const whole = await this.#wholeRun(p, c.records === 0);
        add(c, whole, whole.count, whole.bytes);
      } else if (!(await this.#leadingPart(p, c))) break;
    }
    return c.taken;
  }

  /**
   * A run taken whole as it stands now (appends may extend it while its first Data seq is read, which
   * happens only when it starts the batch: the batch's `from`).
   */
  async #wholeRun(p: Run, first: boolean): Promise<Taken & { kind: 'run' }> {
    const extent = { segment: p.segment, from: p.offset, end: p.end, lastSeq: p.lastSeq };
    const { rows, bytes, count } = p;
    const firstSeq = first ? await firstDataSeq(this.#read, extent, this.#scratch) : 0;
    return { kind: 'run', firstSeq, seq: extent.lastSeq, rows, bytes, count, extent };
  }

  /**
   * Adds the leading records of a run that the batch accepts, read from disk; true when that was the
   * whole run (the batch may go on with the next pending entry).
   */
  async #leadingPart(p: Run, c: Collecting): Promise<boolean> {
    const part = { firstSeq: 0, seq: 0, rows: 0, bytes: 0, count: 0, end: p.offset };
    const run = { segment: p.segment, from: p.offset, end: p.end };
    for await (const r of recordsIn(this.#read, run, READ_CHUNK, this.#scratch)) {
      if (r.type !== RecordType.Data) continue;
      const rows = countLines(r.payload);
      const bytes = part.bytes + r.payload.length;
      if (r.seq > p.lastSeq || !c.accepts(r.seq, part.rows + rows, bytes, part.count)) break;
      part.firstSeq ||= r.seq;
      part.seq = r.seq;
      part.rows += rows;
      part.bytes += r.payload.length;
      part.count++;
      part.end = r.offset + r.size;
    }
    if (part.count > 0) {
      const extent = { segment: p.segment, from: p.offset, end: part.end, lastSeq: part.seq };
      add(c, { kind: 'run', ...part, extent }, part.count, part.bytes);
    }
    return part.count === p.count;
  }

  readonly #read = (segment: number, offset: number, maxBytes: number, into?: Buffer): Promise<Buffer> =>
    this.#writer.read(segment, offset, maxBytes, into);

  /**
   * The batch's lines in order: cached records as they are, runs read from disk as they are sent (into
   * the store's buffers, where it lends them).
   */
  #pieces(taken: readonly Taken[]): BodyReader {
    const read = this.#read;
    const sources = taken.map((t) => (t.kind === 'cached' ? t.lines : t.extent));
    return async function* (buffers?: BodyBuffers) {
      for (const source of sources)
        if (Buffer.isBuffer(source)) yield source;
        else yield* extentLines(read, source, buffers);
    };
  }

  /** The batch's cached rows stay in the memory budget until it is committed. */
  #hold(to: number, taken: readonly Taken[]): void {
    let bytes = 0;
    for (const t of taken) if (t.kind === 'cached') bytes += t.lines.length;
    if (bytes > 0) this.#held.set(to, bytes);
  }

  /**
   * Removes what `take` consumed from the head (appends may have extended the tail run meanwhile). The
   * consumed entries are dropped with ONE splice: shifting a long array one entry at a time copies it
   * each time (a batch of 100,000 single-row appends took seconds).
   */
  #consume(taken: Taken[]): void {
    let head = 0;
    for (const t of taken) {
      const p = this.#pending[head] as Pending;
      if (t.kind === 'cached') {
        this.#account(t.rows, t.lines.length);
        head++;
        continue;
      }
      const run = p as Run;
      run.count -= t.count;
      run.rows -= t.rows;
      run.bytes -= t.bytes;
      run.offset = t.extent.end;
      this.#account(t.rows, t.bytes);
      if (run.count === 0) head++;
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
    this.#through = Math.max(this.#through, run.lastSeq);
    this.#rows += run.rows;
    this.#bytes += run.bytes;
    this.#oldestAt ??= run.at;
  }
}

function add(c: Collecting, t: Taken, records: number, bytes: number): void {
  c.taken.push(t);
  c.records += records;
  c.rows += t.rows;
  c.bytes += bytes;
}

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
