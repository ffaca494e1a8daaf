// Segment files of one table's write-ahead log, with adaptive group commit: a lone append is written and
// made durable (fdatasync) at once; appends that arrive while a write is in flight queue up and share the
// next write and fdatasync. Under load (appends queued while a group was written) the next group may
// wait a little for more, up to `groupCommitMaxWaitMs` (see #gather); a lone append never waits, and
// nothing else waits unless `fsyncIntervalMs` asks for a window. Appends resolve only once durable.
// Sequence numbers and offsets are assigned when a group is written, so a failed write can be rolled
// back (file truncated to its last durable size) without leaving holes or torn records behind.
// Records are written at their offset into files that usually already have their full size (spare.ts),
// so a commit's fdatasync flushes data without changing the file's size.
import { constants } from 'node:fs';
import { type FileHandle, open, rm, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { IngestError } from '../../errors.ts';
import { syncDir } from '../../sync-dir.ts';
import { encodeHeader, HEADER_BYTES, RecordType } from './record.ts';
import { segmentFile } from './segment-files.ts';
import type { Spare } from './spare.ts';

export interface Segment {
  /** The seq of its first record; also its file name. */
  readonly id: number;
  /** Bytes of records in it (the file itself may be longer: preallocated). */
  size: number;
  durable: number;
  /** Highest Data seq in the segment (0: none); the segment can go once that is committed. */
  lastDataSeq: number;
}

export interface Written {
  readonly seq: number;
  readonly segment: number;
  readonly offset: number;
  readonly size: number;
}

/** Bytes on disk across every table of the spool, against the configured maximum. */
export class SpaceAccount {
  #used = 0;
  /** Data records queued but not yet written: counted so concurrent appends cannot overshoot. */
  reserved = 0;
  readonly max: number;
  /**
   * An append was refused for want of space and no rows have left the spool since: readiness reports
   * the spool full until rows are delivered (or a later, smaller append fits). The flag itself refuses
   * nothing: each append is still measured against the space left.
   */
  full = false;
  constructor(max: number) {
    this.max = max;
  }

  get used(): number {
    return this.#used;
  }

  set used(bytes: number) {
    if (bytes < this.#used) this.full = false;
    this.#used = bytes;
  }

  /**
   * Reserves room for a data record of `size` bytes, or says the spool is full. A record larger than the
   * whole spool would never fit: refusing it says nothing about the spool, so it leaves `full` alone.
   */
  reserve(size: number): boolean {
    if (this.#used + this.reserved + size > this.max) {
      if (size <= this.max) this.full = true;
      return false;
    }
    this.reserved += size;
    this.full = false;
    return true;
  }
}

export interface WriterOptions {
  readonly segmentBytes: number;
  /** 0: adaptive (write at once when idle). Above 0: every group waits this long for more appends. */
  readonly fsyncIntervalMs: number;
  /**
   * Adaptive mode only: how long the group after a loaded one may wait for more appends, counted from
   * the start of the group before it. 0: it is written as soon as that one is durable.
   */
  readonly groupCommitMaxWaitMs?: number;
  /**
   * false: a group is acknowledged once written, without fdatasync. A process crash loses nothing (the
   * page cache has it); a machine crash or power loss can lose acknowledged rows.
   */
  readonly fsync: boolean;
  readonly space: SpaceAccount;
  /** Told how long each fdatasync took (seconds). */
  readonly onSync?: ((seconds: number) => void) | undefined;
  /** Seconds a caller should wait before retrying when the spool is full. */
  readonly retryAfterSeconds: number;
}

interface Item {
  readonly type: RecordType;
  readonly payload: Buffer;
  readonly onDurable: ((w: Written) => void) | undefined;
  readonly resolve: (w: Written) => void;
  readonly reject: (err: unknown) => void;
}

interface Group {
  /** Offset in the segment where the group's first record goes. */
  readonly position: number;
  readonly buffers: Buffer[];
}

export class SegmentWriter {
  readonly #dir: string;
  readonly #opts: WriterOptions;
  readonly #segments: Segment[];
  readonly #handles = new Map<number, FileHandle>();
  /** Segment files being made and opened, by id (see #handle). */
  readonly #opening = new Map<number, Promise<FileHandle>>();
  readonly #spare: Spare;
  /** Segments whose file does not exist yet: it is made from the spare when one is ready. */
  readonly #unborn = new Set<number>();
  #nextSeq: number;
  #queue: Item[] = [];
  /** Cancels the scheduled write of the queued group, when one is scheduled. */
  #scheduled: (() => void) | undefined;
  /** While the scheduled write is a gathering wait (see #gather): the records that end it early. */
  #gatherTarget: number | undefined;
  #flushing: Promise<void> | undefined;
  /**
   * The group written last: its records, when its write began (performance.now()), and the appends
   * queued behind it when it became durable (before its callers heard so).
   */
  #lastGroup = { records: 0, startedAt: 0, queuedBehind: 0 };
  #broken: unknown;

  constructor(dir: string, segments: Segment[], nextSeq: number, opts: WriterOptions, spare: Spare) {
    this.#dir = dir;
    this.#spare = spare;
    this.#segments = segments;
    this.#nextSeq = nextSeq;
    this.#opts = opts;
  }

  get segments(): readonly Segment[] {
    return this.#segments;
  }

  /** Why the log refuses every write until a restart (a failed write it could not roll back), if it does. */
  get broken(): string | undefined {
    if (this.#broken === undefined) return undefined;
    return (this.#broken as Error).message ?? String(this.#broken);
  }

  /**
   * Queues a record; resolves once it is durable. Data records count against the spool's size and are
   * refused (OVERLOADED) when it is full or the log cannot be written; markers are never refused.
   * `onDurable` runs synchronously in write order, before any promise callback.
   */
  write(type: RecordType, payload: Buffer, onDurable?: (w: Written) => void): Promise<Written> {
    if (this.#broken !== undefined)
      return Promise.reject(this.#overloaded('the spool is unwritable', this.#broken));
    if (type === RecordType.Data) {
      if (!this.#opts.space.reserve(payload.length + HEADER_BYTES))
        return Promise.reject(this.#overloaded('the spool is full'));
    }
    return new Promise<Written>((resolve, reject) => {
      this.#queue.push({ type, payload, onDurable, resolve, reject });
      this.#schedule();
    });
  }

  /** `into`, when given, is at least `maxBytes` long: a buffer lent by the store the batch goes to. */
  async read(segment: number, offset: number, maxBytes: number, into?: Buffer): Promise<Buffer> {
    const fh = await open(join(this.#dir, segmentFile(segment)), 'r');
    try {
      const buf = into ?? Buffer.allocUnsafe(maxBytes);
      const { bytesRead } = await fh.read(buf, 0, maxBytes, offset);
      return buf.subarray(0, bytesRead);
    } finally {
      await fh.close();
    }
  }

  /** Deletes every segment whose data is all committed. */
  async deleteThrough(committed: number): Promise<void> {
    const active = this.#segments.at(-1);
    const rotate = active !== undefined && active.size > 0 && active.lastDataSeq <= committed && this.#idle;
    if (rotate) {
      // Everything is delivered: start an empty segment so the old one can go too. The new file is
      // named after the next seq, which keeps seqs (and so dedup tokens) increasing across restarts.
      this.#segments.push({ id: this.#nextSeq, size: 0, durable: 0, lastDataSeq: 0 });
      this.#unborn.add(this.#nextSeq);
      await this.#handle(this.#nextSeq);
    }
    while (this.#segments.length > 1 && (this.#segments[0]?.lastDataSeq ?? 0) <= committed) {
      const segment = this.#segments.shift() as Segment;
      await this.#closeHandle(segment.id);
      await this.#spare.recycle(join(this.#dir, segmentFile(segment.id)));
      this.#opts.space.used -= segment.size;
    }
    // Only now: one of the segments just deleted may have become the spare, which writes nothing.
    if (rotate) this.#spare.prepare();
  }

  get #idle(): boolean {
    return this.#queue.length === 0 && this.#flushing === undefined;
  }

  /** Writes what is queued and closes the files. */
  async close(): Promise<void> {
    this.#cancelScheduled();
    while (this.#flushing || this.#queue.length > 0) await (this.#flushing ?? this.#flush());
    for (const id of [...this.#handles.keys()]) await this.#closeHandle(id);
    await this.#spare.close();
  }

  #schedule(): void {
    if (this.#flushing) return;
    // A gathering wait ends once the group holds what it waited for; this batch of I/O's appends join it.
    const gathered = this.#gatherTarget !== undefined && this.#queue.length >= this.#gatherTarget;
    if (this.#scheduled === undefined || gathered) this.#writeSoon();
  }

  #writeSoon(): void {
    this.#cancelScheduled();
    const run = () => {
      this.#scheduled = undefined;
      void this.#flush();
    };
    // Adaptive: setImmediate still gathers every append made while handling the current batch of I/O
    // (requests that arrived together share one write) but never waits for more to come.
    if (this.#opts.fsyncIntervalMs === 0) {
      const immediate = setImmediate(run);
      this.#scheduled = () => clearImmediate(immediate);
    } else {
      const timer = setTimeout(run, this.#opts.fsyncIntervalMs);
      this.#scheduled = () => clearTimeout(timer);
    }
  }

  #cancelScheduled(): void {
    this.#scheduled?.();
    this.#scheduled = undefined;
    this.#gatherTarget = undefined;
  }

  #flush(): Promise<void> {
    this.#cancelScheduled();
    const items = this.#queue;
    this.#queue = [];
    this.#lastGroup = { records: items.length, startedAt: performance.now(), queuedBehind: 0 };
    this.#flushing = this.#writeGroup(items).finally(() => {
      this.#flushing = undefined;
      if (this.#queue.length > 0) this.#gather();
    });
    return this.#flushing;
  }

  /**
   * Appends queued while a group was written: they have waited one group already, and more are coming.
   * Each group costs a write, an fdatasync and two trips through libuv's pool whatever its size, and on
   * one core that fixed cost, paid for groups of a few records under steady load, takes the time the
   * requests need. So the next group waits for the callers the group just written answered: it is
   * written once it holds as many records as that group and the appends queued behind it together (each
   * answered caller back with its next request), or `groupCommitMaxWaitMs` after that group began, whichever comes
   * first. The target counts only callers the writer has seen, so a fixed set of clients (each waiting
   * for its answer) can always reach it; callers that do not come back cost the wait, no more. With the
   * wait at 0, or a fixed window configured, the group is written at once. A lone append never waits:
   * with nothing queued during a write, the next append starts a group at once.
   */
  #gather(): void {
    const maxWait = this.#opts.fsyncIntervalMs === 0 ? (this.#opts.groupCommitMaxWaitMs ?? 0) : 0;
    const target = this.#lastGroup.records + this.#lastGroup.queuedBehind;
    const wait = this.#lastGroup.startedAt + maxWait - performance.now();
    if (wait <= 0 || this.#queue.length >= target) {
      void this.#flush();
      return;
    }
    const timer = setTimeout(() => {
      this.#scheduled = undefined;
      void this.#flush();
    }, wait);
    this.#scheduled = () => clearTimeout(timer);
    this.#gatherTarget = target;
  }

  async #writeGroup(items: Item[]): Promise<void> {
    if (items.length === 0) return;
    const firstSeq = this.#nextSeq;
    const before = this.#segments.map((s) => s.size);
    const segmentCount = this.#segments.length;
    const { written, groups } = this.#layout(items);
    for (const item of items) {
      if (item.type === RecordType.Data) this.#opts.space.reserved -= item.payload.length + HEADER_BYTES;
    }
    try {
      for (const [id, { position, buffers }] of groups) {
        const fh = await this.#handle(id);
        await fh.writev(buffers, position);
        if (this.#opts.fsync) await this.#sync(fh);
      }
    } catch (err) {
      await this.#rollback(firstSeq, before, segmentCount);
      for (const item of items) item.reject(this.#overloaded('the spool could not be written', err));
      return;
    }
    for (const s of this.#segments) s.durable = s.size;
    // Counted before the callers hear: one that appends again at once is one of the group's records.
    this.#lastGroup.queuedBehind = this.#queue.length;
    // A segment was started: have the next one's file ready before it is needed.
    if (this.#segments.length > segmentCount) this.#spare.prepare();
    for (const [i, item] of items.entries()) item.onDurable?.(written[i] as Written);
    for (const [i, item] of items.entries()) item.resolve(written[i] as Written);
  }

  /** Assigns seqs, segments and offsets; rotates to a new segment when the active one is full. */
  #layout(items: Item[]): { written: Written[]; groups: Map<number, Group> } {
    const written: Written[] = [];
    const groups = new Map<number, Group>();
    for (const item of items) {
      const seq = this.#nextSeq++;
      const header = encodeHeader(item.type, seq, item.payload);
      const size = header.length + item.payload.length;
      let segment = this.#segments.at(-1);
      if (!segment || (segment.size > 0 && segment.size + size > this.#opts.segmentBytes)) {
        segment = { id: seq, size: 0, durable: 0, lastDataSeq: 0 };
        this.#segments.push(segment);
        this.#unborn.add(seq);
      }
      const group = groups.get(segment.id) ?? { position: segment.size, buffers: [] };
      written.push({ seq, segment: segment.id, offset: segment.size, size });
      segment.size += size;
      this.#opts.space.used += size;
      if (item.type === RecordType.Data) segment.lastDataSeq = seq;
      group.buffers.push(header, item.payload);
      groups.set(segment.id, group);
    }
    return { written, groups };
  }

  /** Undoes a failed group: truncate each file to its durable size. If even that fails, stop for good. */
  async #rollback(firstSeq: number, before: number[], segmentCount: number): Promise<void> {
    this.#nextSeq = firstSeq;
    const touched = this.#segments.splice(segmentCount);
    for (const s of touched) this.#unborn.delete(s.id);
    for (const s of touched) this.#opts.space.used -= s.size;
    for (const [i, s] of this.#segments.entries()) {
      this.#opts.space.used -= s.size - (before[i] ?? s.size);
      s.size = before[i] ?? s.size;
    }
    try {
      for (const s of [...this.#segments, ...touched]) {
        await this.#closeHandle(s.id);
        if (touched.includes(s)) await rm(join(this.#dir, segmentFile(s.id)), { force: true });
        else await truncate(join(this.#dir, segmentFile(s.id)), s.durable);
      }
    } catch (err) {
      // The tail of the log is in an unknown state: appending after it could bury good records
      // behind a torn one. Refuse further writes; a restart recovers the log up to the last good record.
      this.#broken = err;
    }
  }

  async #sync(fh: FileHandle): Promise<void> {
    const started = performance.now();
    await fh.datasync();
    this.#opts.onSync?.((performance.now() - started) / 1000);
  }

  /**
   * The open file of segment `id`, made (from the spare) and its directory entry synced on first use.
   * Callers that ask while that is under way (a rotation and an append's group) share it: a second open
   * of the name the spare is being renamed to would create a file the rename then replaces, its records
   * acknowledged and lost; and a handle handed out before the directory sync would acknowledge records
   * in a file whose name a crash could still take away.
   */
  #handle(id: number): Promise<FileHandle> {
    const fh = this.#handles.get(id);
    if (fh) return Promise.resolve(fh);
    let opening = this.#opening.get(id);
    if (!opening) {
      opening = this.#openSegment(id).finally(() => this.#opening.delete(id));
      this.#opening.set(id, opening);
    }
    return opening;
  }

  async #openSegment(id: number): Promise<FileHandle> {
    const path = join(this.#dir, segmentFile(id));
    // A new segment takes the spare's place (full size already); without one its file grows.
    if (this.#unborn.delete(id)) await this.#spare.takeAs(path);
    // Positioned writes (never O_APPEND): records go to their offset inside the preallocated file.
    const fh = await open(path, constants.O_RDWR | constants.O_CREAT);
    try {
      await syncDir(this.#dir);
    } catch (err) {
      await fh.close();
      throw err;
    }
    this.#handles.set(id, fh);
    return fh;
  }

  async #closeHandle(id: number): Promise<void> {
    const fh = this.#handles.get(id);
    this.#handles.delete(id);
    await fh?.close();
  }

  #overloaded(message: string, cause?: unknown): IngestError {
    const text = cause ? `${message}: ${(cause as Error).message ?? cause}` : message;
    return new IngestError('OVERLOADED', text, { retryAfterS: this.#opts.retryAfterSeconds, cause });
  }
}
