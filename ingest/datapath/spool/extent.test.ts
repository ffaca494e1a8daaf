import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { allPieces, type BodyBuffers } from '../../../store/index.ts';
import { DiskSpool } from './disk.ts';
import { READ_CHUNK, recordsIn, Scratch, type SegmentRead } from './extent.ts';
import { encodeHeader, RecordType } from './record.ts';

const MiB = 1024 * 1024;
/** One record of `rows` JSON lines of about 1 KiB each, numbered from `first`. */
const record = (first: number, rows: number) =>
  Buffer.from(
    Array.from(
      { length: rows },
      (_, k) => `${JSON.stringify({ i: first + k, pad: 'x'.repeat(1000) })}\n`,
    ).join(''),
  );

async function spoolOnDisk() {
  const spool = await DiskSpool.open({
    dir: mkdtempSync(join(tmpdir(), 'extent-')),
    maxBytes: 64 * MiB,
    segmentBytes: 16 * MiB,
    fsyncIntervalMs: 1,
    // no row cache: every row is read back from the segment file
    memoryBytes: 0,
    retryAfterSeconds: 1,
  });
  return { spool, log: await spool.log('events') };
}

describe('a batch read back from the segment files', () => {
  it('arrives a bounded chunk at a time, in order, and the same bytes on every read (a retry)', async () => {
    const { spool, log } = await spoolOnDisk();
    const appended: Buffer[] = [];
    for (let n = 0; n < 60; n++) {
      appended.push(record(n * 50, 50));
      await log.append(appended.at(-1) as Buffer, 50);
    }
    const batch = await log.take({ maxRows: 100_000, maxBytes: 64 * MiB });
    const pieces = await allPieces(batch?.pieces() ?? []);
    expect(pieces.length).toBeGreaterThan(2);
    for (const p of pieces) expect(p.length).toBeLessThanOrEqual(READ_CHUNK);
    expect(Buffer.concat(pieces).equals(Buffer.concat(appended))).toBe(true);
    expect((await batch?.lines())?.equals(Buffer.concat(appended))).toBe(true);
    expect(batch?.rows).toBe(3000);
    await spool.close();
  });

  it('reads a record larger than a chunk whole', async () => {
    const { spool, log } = await spoolOnDisk();
    const big = record(0, Math.ceil((1.5 * READ_CHUNK) / 1000));
    await log.append(record(-1, 1), 1);
    await log.append(big, big.toString().split('\n').length - 1);
    const batch = await log.take({ maxRows: 100_000, maxBytes: 64 * MiB });
    expect((await batch?.lines())?.equals(Buffer.concat([record(-1, 1), big]))).toBe(true);
    await spool.close();
  });

  it('is cut where the limits say, in the middle of the rows on disk, and the next batch goes on from there', async () => {
    const { spool, log } = await spoolOnDisk();
    for (let n = 0; n < 10; n++) await log.append(record(n * 10, 10), 10);
    const first = await log.take({ maxRows: 35, maxBytes: 64 * MiB });
    expect(first?.rows).toBe(30);
    const second = await log.take({ maxRows: 1000, maxBytes: 64 * MiB });
    expect(second?.rows).toBe(70);
    expect(second?.from).toBeGreaterThan(first?.to ?? Infinity);
    const ids = (b: Buffer | undefined) =>
      (b?.toString().trim().split('\n') ?? []).map((l) => (JSON.parse(l) as { i: number }).i);
    expect([...ids(await first?.lines()), ...ids(await second?.lines())]).toEqual(
      Array.from({ length: 100 }, (_, i) => i),
    );
    await spool.close();
  });

  it('counts what it sent when appends extend the rows on disk while a batch is being cut', async () => {
    const { spool, log } = await spoolOnDisk();
    for (let n = 0; n < 5; n++) await log.append(record(n * 10, 10), 10);
    const cutting = log.take({ maxRows: 100_000, maxBytes: 64 * MiB });
    const appending = Promise.all(
      Array.from({ length: 5 }, (_, k) => log.append(record(50 + k * 10, 10), 10)),
    );
    const [first] = await Promise.all([cutting, appending]);
    const second = await log.take({ maxRows: 100_000, maxBytes: 64 * MiB });
    const ids = (b: Buffer | undefined) =>
      (b?.toString().trim().split('\n') ?? []).filter(Boolean).map((l) => (JSON.parse(l) as { i: number }).i);
    const a = ids(await first?.lines());
    const b = ids(await second?.lines());
    expect(first?.rows).toBe(a.length);
    expect(second?.rows ?? 0).toBe(b.length);
    expect([...a, ...b]).toEqual(Array.from({ length: 100 }, (_, i) => i));
    await spool.close();
  });

  it('is read into the buffers a store lends, each yielded (then the store owns it) or given back unused', async () => {
    const { spool, log } = await spoolOnDisk();
    const appended: Buffer[] = [record(-1, 1)];
    await log.append(appended[0] as Buffer, 1);
    // a record larger than a chunk: the chunk read before its size is known is read in vain
    const big = record(0, Math.ceil((1.5 * READ_CHUNK) / 1000));
    appended.push(big);
    await log.append(big, big.toString().split('\n').length - 1);
    for (let n = 0; n < 40; n++) {
      appended.push(record(10_000 + n * 50, 50));
      await log.append(appended.at(-1) as Buffer, 50);
    }
    const lent = new Set<ArrayBufferLike>();
    const givenBack = new Set<ArrayBufferLike>();
    const buffers: BodyBuffers = {
      lend(bytes) {
        const b = Buffer.allocUnsafeSlow(READ_CHUNK);
        expect(bytes).toBeLessThanOrEqual(b.length);
        lent.add(b.buffer);
        return b;
      },
      giveBack: (b) => givenBack.add(b.buffer),
    };
    const batch = await log.take({ maxRows: 100_000, maxBytes: 64 * MiB });
    const pieces: Buffer[] = [];
    const yielded = new Set<ArrayBufferLike>();
    // copied as they come: a store may reuse a lent buffer once it has sent the piece
    for await (const p of batch?.pieces(buffers) ?? []) {
      pieces.push(Buffer.from(p));
      if (lent.has(p.buffer)) yielded.add(p.buffer);
    }
    expect(Buffer.concat(pieces).equals(Buffer.concat(appended))).toBe(true);
    expect(givenBack.size).toBeGreaterThan(0);
    expect(yielded.size).toBeGreaterThan(2);
    for (const b of lent) expect(yielded.has(b) !== givenBack.has(b)).toBe(true);
    await spool.close();
  });

  it('is cut by reads into one reused buffer; a second reader meanwhile reads into its own', async () => {
    // a segment in memory: 30 Data records of ~50 KiB, so the extent spans several chunks
    const payloads = Array.from({ length: 30 }, (_, n) => record(n * 50, 50));
    const file = Buffer.concat(payloads.flatMap((p, n) => [encodeHeader(RecordType.Data, n + 1, p), p]));
    const into: (Buffer | undefined)[] = [];
    const read: SegmentRead = async (_segment, offset, maxBytes, buffer) => {
      into.push(buffer);
      const out = buffer ?? Buffer.allocUnsafe(maxBytes);
      return out.subarray(0, file.copy(out, 0, offset, Math.min(offset + maxBytes, file.length)));
    };
    const scratch = new Scratch();
    const extent = { segment: 1, from: 0, end: file.length };
    const a = recordsIn(read, extent, READ_CHUNK, scratch);
    const b = recordsIn(read, extent, READ_CHUNK, scratch);
    const seen: [string[], string[]] = [[], []];
    // interleaved, each record read as it is yielded (a view of the chunk only until the next)
    for (;;) {
      const [ra, rb] = [await a.next(), await b.next()];
      if (ra.done || rb.done) break;
      seen[0].push(`${ra.value.seq}:${ra.value.payload.toString()}`);
      seen[1].push(`${rb.value.seq}:${rb.value.payload.toString()}`);
    }
    const expected = payloads.map((p, n) => `${n + 1}:${p.toString()}`);
    expect(seen).toEqual([expected, expected]);
    const lent = into.filter((b) => b !== undefined);
    expect(lent.length).toBeGreaterThan(1);
    expect(new Set(lent.map((b) => b.buffer)).size).toBe(1); // one buffer, reused chunk after chunk
    expect(into.filter((b) => b === undefined).length).toBe(lent.length); // the other reader's own
    // released once the reader is done: the next cut reads into it again
    expect(scratch.take()?.buffer).toBe(lent[0]?.buffer);
  });
});
