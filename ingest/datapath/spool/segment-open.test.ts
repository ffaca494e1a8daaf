// A new segment's file is made once, however many callers need it at the same moment: a rotation after a
// commit and an append's group both open the segment that takes the spare's place.
import { mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeRecords, RecordType } from './record.ts';
import { segmentFile } from './segment-files.ts';
import { SegmentWriter, SpaceAccount } from './segments.ts';
import type { Spare } from './spare.ts';

const SEGMENT_BYTES = 64 * 1024;

/**
 * A spare whose rename into place waits until the test opens `gate` (a rename held up by a busy
 * filesystem journal), then moves a zero-filled file of full size to the segment's name.
 */
function heldSpare(dir: string) {
  let open: () => void = () => {};
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  const ready = join(dir, 'ready.spare');
  writeFileSync(ready, Buffer.alloc(SEGMENT_BYTES));
  let asked = false;
  const spare = {
    async takeAs(path: string) {
      if (asked) return false;
      asked = true;
      await gate;
      renameSync(ready, path);
      return true;
    },
    async recycle() {},
    prepare() {},
    async close() {},
  };
  return { spare: spare as unknown as Spare, open: () => open() };
}

const writer = (dir: string, spare: Spare) =>
  new SegmentWriter(
    dir,
    [{ id: 1, size: 0, durable: 0, lastDataSeq: 0 }],
    1,
    {
      segmentBytes: SEGMENT_BYTES,
      fsyncIntervalMs: 0,
      fsync: true,
      space: new SpaceAccount(1 << 20),
      retryAfterSeconds: 5,
    },
    spare,
  );

describe('a new segment file', () => {
  it('is opened once for a rotation and an append racing it: the acknowledged record is in the file recovery reads', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'segment-open-'));
    const held = heldSpare(dir);
    const w = writer(dir, held.spare);
    const first = await w.write(RecordType.Data, Buffer.from('{"i":1}\n'));
    // The group's bookkeeping settles after its writers are told: only then is the log idle.
    await new Promise((resolve) => setImmediate(resolve));
    // Everything delivered: the commit rotates to a new segment made from the (held) spare.
    const rotation = w.deleteThrough(first.seq);
    let acked = false;
    const second = w.write(RecordType.Data, Buffer.from('{"i":2}\n')).then((written) => {
      acked = true;
      return written;
    });
    // The append must wait for the file being made; a writer that opened the name itself would have
    // written, synced and acknowledged by now. What does not happen can only be given time: 200 ms
    // bound the wait, the assertions below do not depend on it.
    await Promise.race([second, new Promise((resolve) => setTimeout(resolve, 200))]);
    expect(acked).toBe(false);
    held.open();
    const written = await second;
    await rotation;
    await w.close();
    const file = readFileSync(join(dir, segmentFile(written.segment)));
    const records = decodeRecords(file, 0, written.segment).records;
    expect(records.map((r) => r.payload.toString())).toEqual(['{"i":2}\n']);
  });
});
