// Pending rows of a table log that are not held in memory: a stretch of one segment file, read a bounded
// chunk at a time, both when a batch is cut (to find where it ends and count its rows) and when it is
// sent (the pieces go to the store as they are read). Nothing reads more than a chunk (or one record
// larger than that) at once, so a batch of up to its maxBytes never sits in memory whole.
import type { BodyBuffers } from '../../../store/index.ts';
import { decodeRecords, HEADER_BYTES, RecordType, type WalRecord } from './record.ts';

/** Bytes read at once; a larger record is read whole on its own. */
export const READ_CHUNK = 1024 * 1024;

/**
 * Reads `maxBytes` of a segment from `offset` (fewer at the end of the file), into `into` when given (at
 * least `maxBytes` long), else into a fresh buffer.
 */
export type SegmentRead = (
  segment: number,
  offset: number,
  maxBytes: number,
  into?: Buffer,
) => Promise<Buffer>;

/** Data records of `segment` in [from, end) up to `lastSeq`; markers of batches in between are skipped. */
export interface Extent {
  readonly segment: number;
  readonly from: number;
  readonly end: number;
  readonly lastSeq: number;
}

/**
 * One buffer for reads whose records are not kept (cutting a batch, finding its first seq), reused cut
 * after cut instead of a fresh chunk per read; a second reader while it is in use reads into fresh ones.
 */
export class Scratch {
  readonly #bytes: number;
  #buffer: Buffer | undefined;
  #inUse = false;

  constructor(bytes = READ_CHUNK) {
    this.#bytes = bytes;
  }

  take(): Buffer | undefined {
    if (this.#inUse) return undefined;
    this.#inUse = true;
    this.#buffer ??= Buffer.allocUnsafeSlow(this.#bytes);
    return this.#buffer;
  }

  release(): void {
    this.#inUse = false;
  }
}

/**
 * Every record of [from, end), in order, read `chunkBytes` at a time; into `scratch` when given (a
 * record is then a view of it only until the next one is asked for).
 */
export async function* recordsIn(
  read: SegmentRead,
  x: Omit<Extent, 'lastSeq'>,
  chunkBytes = READ_CHUNK,
  scratch?: Scratch,
): AsyncGenerator<WalRecord> {
  const own = scratch?.take();
  try {
    const buffers = own && {
      lend: (bytes: number) => (bytes <= own.length ? own : Buffer.allocUnsafe(bytes)),
      giveBack: () => undefined,
    };
    for await (const { records } of chunksIn(read, x, chunkBytes, buffers)) yield* records;
  } finally {
    if (own) scratch?.release();
  }
}

/**
 * The extent a chunk at a time: each read with the whole records it holds (views of it). Chunks are read
 * into buffers lent by `buffers` when given; one read in vain (a record larger than the chunk) goes back.
 */
async function* chunksIn(
  read: SegmentRead,
  x: Omit<Extent, 'lastSeq'>,
  chunkBytes: number,
  buffers?: BodyBuffers,
): AsyncGenerator<{ chunk: Buffer; records: WalRecord[] }> {
  for (let at = x.from; at < x.end; ) {
    const bytes = Math.min(chunkBytes, x.end - at);
    let chunk = await read(x.segment, at, bytes, buffers?.lend(bytes));
    let records = decodeRecords(chunk, at).records;
    if (records.length === 0) {
      const whole = await readWhole(read, x.segment, at, chunk);
      if (whole !== chunk) buffers?.giveBack(chunk);
      chunk = whole;
      records = decodeRecords(chunk, at).records;
    }
    const last = records.at(-1);
    // Everything in the extent was written and decoded before; a record that no longer decodes is damage.
    if (!last) throw new Error(`spool: unreadable record in segment ${x.segment} at offset ${at}`);
    yield { chunk, records };
    at = last.offset + last.size;
  }
}

/** The one record at `at` that is larger than the chunk read: its header says how large. */
async function readWhole(read: SegmentRead, segment: number, at: number, chunk: Buffer): Promise<Buffer> {
  if (chunk.length < HEADER_BYTES) return chunk;
  return read(segment, at, HEADER_BYTES + chunk.readUInt32LE(0));
}

/**
 * The rows' lines of an extent, one piece per chunk read: the Data payloads are moved together inside
 * the chunk (over the record headers and batch markers between them), so what goes to the store is the
 * read itself, neither copied again nor cut into a piece per record. A chunk read into a buffer the store
 * lent is yielded (it is then the store's) or, holding no rows of the batch, given back.
 */
export async function* extentLines(
  read: SegmentRead,
  x: Extent,
  buffers?: BodyBuffers,
): AsyncGenerator<Buffer> {
  for await (const { chunk, records } of chunksIn(read, x, READ_CHUNK, buffers)) {
    let used = 0;
    let past = false;
    for (const r of records) {
      if (r.type !== RecordType.Data) continue;
      if (r.seq > x.lastSeq) {
        past = true;
        break;
      }
      const start = r.payload.byteOffset - chunk.byteOffset;
      chunk.copyWithin(used, start, start + r.payload.length);
      used += r.payload.length;
    }
    if (used > 0) yield chunk.subarray(0, used);
    else buffers?.giveBack(chunk);
    if (past) return;
  }
}

/** The seq of the extent's first Data record (a batch's `from`), read with a small read. */
export async function firstDataSeq(read: SegmentRead, x: Extent, scratch?: Scratch): Promise<number> {
  for await (const r of recordsIn(read, x, 64 * 1024, scratch)) if (r.type === RecordType.Data) return r.seq;
  throw new Error(`spool: no data record in segment ${x.segment} from offset ${x.from}`);
}
