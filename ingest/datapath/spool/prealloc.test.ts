// Preallocated segment files: recovery finds the end of the records in a file longer than its data,
// whatever follows them (zeroes, a torn record, a recycled file's old records).
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { DiskSpool, type DiskSpoolOptions } from './disk.ts';
import { encodeRecord, RecordType } from './record.ts';
import { segmentFile } from './segment-files.ts';
import { SPARE_FILE } from './spare.ts';

const row = (i: number, pad = '') => Buffer.from(`${JSON.stringify({ i, pad })}\n`);
const open = (dir: string, more: Partial<DiskSpoolOptions> = {}) =>
  DiskSpool.open({
    dir,
    maxBytes: 1 << 20,
    segmentBytes: 64 * 1024,
    fsyncIntervalMs: 0,
    memoryBytes: 1 << 20,
    retryAfterSeconds: 5,
    ...more,
  });
const fresh = () => mkdtempSync(join(tmpdir(), 'spool-prealloc-'));
const segments = (dir: string) => readdirSync(join(dir, 'events')).filter((n) => n.endsWith('.wal'));
const onlySegment = (dir: string) => join(dir, 'events', segments(dir)[0] as string);

async function appendRows(dir: string, from: number, to: number, more: Partial<DiskSpoolOptions> = {}) {
  const spool = await open(dir, more);
  const log = await spool.log('events');
  for (let i = from; i < to; i++) await log.append(row(i), 1);
  const bytes = spool.bytes;
  await spool.close();
  return bytes;
}

/** Every pending row, read from a copy of the spool (taking a batch writes to the log). */
async function readAll(dir: string): Promise<{ seen: number[]; bytes: number }> {
  const copy = fresh();
  cpSync(dir, copy, { recursive: true });
  const spool = await open(copy);
  const log = await spool.log('events');
  const bytes = spool.bytes;
  const batch = await log.take({ maxRows: 10_000, maxBytes: 1 << 20 });
  await spool.close();
  const seen = ((await batch?.lines())?.toString().trim().split('\n') ?? []).map(
    (l) => (JSON.parse(l) as { i: number }).i,
  );
  return { seen, bytes };
}

describe('preallocated segments', () => {
  it('recovers the records before a zero-filled tail, keeps the file at its size and writes after them', async () => {
    const dir = fresh();
    const bytes = await appendRows(dir, 0, 3);
    const file = onlySegment(dir);
    writeFileSync(file, Buffer.concat([readFileSync(file), Buffer.alloc(32 * 1024)]));
    const length = statSync(file).size;

    const recovered = await readAll(dir);
    expect(recovered).toEqual({ seen: [0, 1, 2], bytes });
    expect(statSync(file).size).toBe(length);
    await appendRows(dir, 3, 5);
    expect(statSync(file).size).toBe(length);
    expect((await readAll(dir)).seen).toEqual([0, 1, 2, 3, 4]);
  });

  it('ends the log at a torn record before the zeroes and never replays it after new appends', async () => {
    const dir = fresh();
    await appendRows(dir, 0, 2);
    const file = onlySegment(dir);
    // Seq 3 is the next one: a torn write of it, then preallocated zeroes.
    const torn = encodeRecord(RecordType.Data, 3, row(99)).subarray(0, 20);
    writeFileSync(file, Buffer.concat([readFileSync(file), torn, Buffer.alloc(4096)]));
    await appendRows(dir, 2, 4);
    expect((await readAll(dir)).seen).toEqual([0, 1, 2, 3]);
  });

  it('drops a record that outlived a missing one before it, even when a new record lines up with it', async () => {
    const dir = fresh();
    await appendRows(dir, 0, 2);
    const file = onlySegment(dir);
    // A group of two records (seqs 3 and 4) of which only the second reached the disk before a crash.
    const lost = encodeRecord(RecordType.Data, 3, row(98));
    const outlived = encodeRecord(RecordType.Data, 4, row(99));
    writeFileSync(
      file,
      Buffer.concat([readFileSync(file), Buffer.alloc(lost.length), outlived, Buffer.alloc(4096)]),
    );
    // The next append gets seq 3 and the same size as the lost record: seq 4 would follow it exactly.
    await appendRows(dir, 10, 11);
    expect(encodeRecord(RecordType.Data, 3, row(10)).length).toBe(lost.length);
    expect((await readAll(dir)).seen).toEqual([0, 1, 10]);
  });

  it("does not replay a recycled file's old records that follow the new ones", async () => {
    const old = fresh();
    await appendRows(old, 0, 5);
    const oldBytes = readFileSync(onlySegment(old));
    // The same file recycled as segment 100: two new records, then the old ones (seqs 1–5) intact.
    const dir = fresh();
    const recycled = Buffer.concat([
      encodeRecord(RecordType.Data, 100, row(100)),
      encodeRecord(RecordType.Data, 101, row(101)),
      oldBytes,
    ]);
    writeFileSync(join(mkdirEvents(dir), segmentFile(100)), recycled);
    expect((await readAll(dir)).seen).toEqual([100, 101]);
    await appendRows(dir, 102, 103);
    expect((await readAll(dir)).seen).toEqual([100, 101, 102]);
  });

  it('starts a new segment in the preallocated spare: appends to it leave its size unchanged', async () => {
    const dir = fresh();
    const segmentBytes = 4096;
    const spool = await open(dir, { segmentBytes });
    const log = await spool.log('events');
    await log.append(row(0), 1);
    await vi.waitFor(() => expect(existsSync(join(dir, 'events', SPARE_FILE))).toBe(true));
    let i = 1;
    while (segments(dir).length < 2) await log.append(row(i++, 'x'.repeat(200)), 1);
    const second = join(dir, 'events', segments(dir)[1] as string);
    expect(statSync(second).size).toBe(segmentBytes);
    await log.append(row(i++), 1);
    expect(statSync(second).size).toBe(segmentBytes);
    await spool.close();
    expect((await readAll(dir)).seen).toEqual(Array.from({ length: i }, (_v, n) => n));
  });

  it('keeps a delivered full-size segment as the spare instead of deleting it', async () => {
    const dir = fresh();
    const spool = await open(dir, { segmentBytes: 4096 });
    const log = await spool.log('events');
    await log.append(row(0), 1);
    await vi.waitFor(() => expect(existsSync(join(dir, 'events', SPARE_FILE))).toBe(true));
    // Each new segment waits for the spare to be there again, so every one after the first is preallocated.
    let i = 1;
    while (segments(dir).length < 3) {
      const before = segments(dir).length;
      await log.append(row(i++, 'x'.repeat(200)), 1);
      if (segments(dir).length > before)
        await vi.waitFor(() => expect(existsSync(join(dir, 'events', SPARE_FILE))).toBe(true));
    }
    const fullSize = segments(dir)
      .map((n) => statSync(join(dir, 'events', n)))
      .filter((s) => s.size === 4096)
      .map((s) => s.ino);
    expect(fullSize.length).toBeGreaterThan(0);
    for (
      let b = await log.take({ maxRows: 5, maxBytes: 1 << 20 });
      b;
      b = await log.take({ maxRows: 5, maxBytes: 1 << 20 })
    )
      await log.commit(b);
    expect(segments(dir)).toHaveLength(1);
    await spool.close();
    // The last delivery started a segment in the spare; a delivered full-size file took its place.
    const spare = statSync(join(dir, 'events', SPARE_FILE));
    expect(spare.size).toBe(4096);
    expect(fullSize).toContain(spare.ino);
    expect((await readAll(dir)).seen).toEqual([]);
  });
});

function mkdirEvents(dir: string): string {
  const events = join(dir, 'events');
  mkdirSync(events, { recursive: true });
  return events;
}
