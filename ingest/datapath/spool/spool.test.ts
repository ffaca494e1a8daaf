import { appendFile, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { allPieces } from '../../../store/index.ts';
import { isIngestError } from '../../errors.ts';
import { DiskSpool, type DiskSpoolOptions } from './disk.ts';

const lines = (...rows: object[]) => Buffer.from(rows.map((r) => `${JSON.stringify(r)}\n`).join(''));
const open = (dir: string, more: Partial<DiskSpoolOptions> = {}) =>
  DiskSpool.open({
    dir,
    maxBytes: 1 << 20,
    segmentBytes: 64 * 1024,
    fsyncIntervalMs: 1,
    memoryBytes: 1 << 20,
    retryAfterSeconds: 5,
    ...more,
  });
const fresh = () => mkdtempSync(join(tmpdir(), 'spool-'));

describe('DiskSpool', () => {
  it('cuts batches in order within the limits and commits them', async () => {
    const spool = await open(fresh());
    const log = await spool.log('events');
    for (let i = 0; i < 5; i++) await log.append(lines({ i }), 1);
    expect(log.pending.rows).toBe(5);
    const a = await log.take({ maxRows: 2, maxBytes: 1 << 20 });
    expect(a?.rows).toBe(2);
    expect((await a?.lines())?.toString()).toBe('{"i":0}\n{"i":1}\n');
    await log.commit(a!);
    const b = await log.take({ maxRows: 100, maxBytes: 1 << 20 });
    expect((await b?.lines())?.toString()).toBe('{"i":2}\n{"i":3}\n{"i":4}\n');
    expect(b?.token).toMatch(new RegExp(`^${spool.id}\\.events\\.\\d+-\\d+$`));
    await log.commit(b!);
    expect(log.pending.rows).toBe(0);
    expect(await log.take({ maxRows: 1, maxBytes: 1 })).toBeUndefined();
    await spool.close();
  });

  // A row cache of 0 bytes keeps every row on disk: the batch is then cut in the middle of a run read back
  // from the segment file, and the rest starts with a run taken whole.
  it.each([
    ['cached', 1 << 20],
    ['read back from disk', 0],
  ])(
    'replays an uncommitted batch after a restart with the same range and token (%s)',
    async (_what, memoryBytes) => {
      const dir = fresh();
      const first = await open(dir, { memoryBytes });
      const log = await first.log('events');
      for (let i = 0; i < 4; i++) await log.append(lines({ i }), 1);
      const cut = await log.take({ maxRows: 3, maxBytes: 1 << 20 });
      await log.append(lines({ i: 4 }), 1);
      await first.close(); // no commit: as if the process died while inserting

      const second = await open(dir);
      expect(second.tables()).toEqual(['events']);
      const again = await second.log('events');
      expect(again.pending.rows).toBe(5);
      const replay = await again.take({ maxRows: 1, maxBytes: 1 });
      expect(replay?.token).toBe(cut?.token);
      expect(await replay?.lines()).toEqual(await cut?.lines());
      await again.commit(replay!);
      const rest = await again.take({ maxRows: 10, maxBytes: 1 << 20 });
      expect((await rest?.lines())?.toString()).toBe('{"i":3}\n{"i":4}\n');
      await second.close();
    },
  );

  it('hands a batch over without joining it: cached records whole, the rest as read back from disk', async () => {
    const appended = [lines({ i: 0 }), lines({ i: 1 }, { i: 2 }), lines({ i: 3 })];
    // a 10-byte row cache: the first record (8 bytes) is cached, the rest are read back from the segment
    const spool = await open(fresh(), { memoryBytes: 10 });
    const log = await spool.log('events');
    for (const a of appended) await log.append(a, a.toString().split('\n').length - 1);
    const batch = await log.take({ maxRows: 100, maxBytes: 1 << 20 });
    const pieces = await allPieces(batch?.pieces() ?? []);
    // the cached record as one piece of its own (the cache's copy: what it was given is the caller's again)
    expect(pieces[0]).toEqual(appended[0]);
    expect(pieces[0]).not.toBe(appended[0]);
    // the records on disk arrive as one read, their headers taken out
    expect(pieces.slice(1).map((c) => c.toString())).toEqual(['{"i":1}\n{"i":2}\n{"i":3}\n']);
    expect((await batch?.lines())?.toString()).toBe('{"i":0}\n{"i":1}\n{"i":2}\n{"i":3}\n');
    expect(batch?.rows).toBe(4);
    await spool.close();
  });

  // The data path writes the next requests' rows into the memory of an append that has resolved (its
  // record slabs): a cached row must not change with it.
  it('caches a copy of what it was given: memory written over once the append resolved changes no batch', async () => {
    const spool = await open(fresh());
    const log = await spool.log('events');
    const given = lines({ i: 0 }, { i: 1 });
    await log.append(given, 2);
    given.fill(0x20);
    const batch = await log.take({ maxRows: 10, maxBytes: 1 << 20 });
    expect((await batch?.lines())?.toString()).toBe('{"i":0}\n{"i":1}\n');
    await spool.close();
  });

  it('does not redeliver what was committed before a restart', async () => {
    const dir = fresh();
    const first = await open(dir);
    const log = await first.log('events');
    await log.append(lines({ i: 0 }, { i: 1 }), 2);
    await log.commit((await log.take({ maxRows: 10, maxBytes: 1 << 20 }))!);
    await log.append(lines({ i: 2 }), 1);
    await first.close();
    const second = await open(dir);
    const batch = await (await second.log('events')).take({ maxRows: 10, maxBytes: 1 << 20 });
    expect((await batch?.lines())?.toString()).toBe('{"i":2}\n');
    await second.close();
  });

  it('recovers up to a torn tail and keeps appending after it', async () => {
    const dir = fresh();
    const first = await open(dir);
    const log = await first.log('events');
    await log.append(lines({ i: 0 }), 1);
    await first.close();
    const [segment] = readdirSync(join(dir, 'events'));
    await promisify(appendFile)(join(dir, 'events', segment!), Buffer.from([42, 0, 0, 0, 1, 2, 3]));
    const second = await open(dir);
    const again = await second.log('events');
    await again.append(lines({ i: 1 }), 1);
    const batch = await again.take({ maxRows: 10, maxBytes: 1 << 20 });
    expect((await batch?.lines())?.toString()).toBe('{"i":0}\n{"i":1}\n');
    await second.close();
  });

  it('refuses appends with OVERLOADED and a retry-after when full, and accepts again once drained', async () => {
    const spool = await open(fresh(), { maxBytes: 2048, retryAfterSeconds: 7 });
    const log = await spool.log('events');
    const row = lines({ pad: 'x'.repeat(400) });
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => log.append(row, 1)));
    const refused = results
      .filter((r) => r.status === 'rejected')
      .map((r) => (r as PromiseRejectedResult).reason);
    expect(refused.length).toBeGreaterThan(0);
    expect(isIngestError(refused[0], 'OVERLOADED')).toBe(true);
    expect(refused[0].retryAfterS).toBe(7);
    for (
      let b = await log.take({ maxRows: 100, maxBytes: 1 << 20 });
      b;
      b = await log.take({ maxRows: 100, maxBytes: 1 << 20 })
    ) {
      await log.commit(b);
    }
    await expect(log.append(row, 1)).resolves.toBeUndefined();
    await spool.close();
  });

  // A log whose failed write could not be rolled back refuses every append until a restart, and /ready
  // said nothing of it. Here the table's directory disappears: the write of a new segment fails, and so
  // does truncating the old one back to its durable size.
  it('says why it refuses appends once a failed write could not be rolled back', async () => {
    const dir = fresh();
    const spool = await open(dir, { segmentBytes: 200 });
    const log = await spool.log('events');
    await log.append(lines({ pad: 'x'.repeat(100) }), 1);
    expect(spool.refusal()).toBeUndefined();
    rmSync(join(dir, 'events'), { recursive: true, force: true });
    const err = await log.append(lines({ pad: 'y'.repeat(100) }), 1).catch((e) => e);
    expect(isIngestError(err, 'OVERLOADED')).toBe(true);
    expect(spool.refusal()).toMatch(/^the spool of table events is unwritable until a restart: ENOENT/);
    await expect(log.append(lines({ i: 1 }), 1)).rejects.toMatchObject({ code: 'OVERLOADED' });
    await spool.close();
  });

  it('says it is full while it refuses appends for space, and no longer once rows leave it', async () => {
    const spool = await open(fresh(), { maxBytes: 2048, segmentBytes: 512 });
    const log = await spool.log('events');
    const row = lines({ pad: 'x'.repeat(400) });
    let refused: unknown;
    while (!refused) refused = await log.append(row, 1).catch((e) => e);
    expect(spool.refusal()).toBe('the spool is full (spool.maxBytes 2048 bytes)');
    for (
      let b = await log.take({ maxRows: 100, maxBytes: 1 << 20 });
      b;
      b = await log.take({ maxRows: 100, maxBytes: 1 << 20 })
    ) {
      await log.commit(b);
    }
    expect(spool.refusal()).toBeUndefined();
    await spool.close();
  });

  it('keeps rows beyond the memory budget on disk only and reads them back in order', async () => {
    const spool = await open(fresh(), { memoryBytes: 100, segmentBytes: 300 });
    const log = await spool.log('events');
    for (let i = 0; i < 40; i++) await log.append(lines({ i, pad: 'abcdefghij' }), 1);
    expect(spool.memoryBytes).toBeLessThanOrEqual(100);
    const seen: number[] = [];
    for (
      let b = await log.take({ maxRows: 7, maxBytes: 1 << 20 });
      b;
      b = await log.take({ maxRows: 7, maxBytes: 1 << 20 })
    ) {
      expect(b.rows).toBeLessThanOrEqual(7);
      for (const line of (await b.lines()).toString().trim().split('\n')) seen.push(JSON.parse(line).i);
      await log.commit(b);
    }
    expect(seen).toEqual(Array.from({ length: 40 }, (_v, i) => i));
    await spool.close();
  });

  it('deletes delivered segments and gives their space back', async () => {
    const dir = fresh();
    const spool = await open(dir, { segmentBytes: 200 });
    const log = await spool.log('events');
    for (let i = 0; i < 30; i++) await log.append(lines({ i }), 1);
    expect(readdirSync(join(dir, 'events')).filter((n) => n.endsWith('.wal')).length).toBeGreaterThan(3);
    const full = spool.bytes;
    for (
      let b = await log.take({ maxRows: 5, maxBytes: 1 << 20 });
      b;
      b = await log.take({ maxRows: 5, maxBytes: 1 << 20 })
    ) {
      await log.commit(b);
    }
    // One segment left; beside it at most the preallocated file kept for the next segment.
    expect(readdirSync(join(dir, 'events')).filter((n) => n.endsWith('.wal')).length).toBe(1);
    expect(spool.bytes).toBeLessThan(full / 3);
    await spool.close();
  });

  it('never reuses a token after everything was delivered and the spool restarted', async () => {
    const dir = fresh();
    const first = await open(dir);
    const log = await first.log('events');
    await log.append(lines({ i: 0 }), 1);
    const a = await log.take({ maxRows: 10, maxBytes: 1 << 20 });
    await log.commit(a!);
    await first.close();
    const second = await open(dir);
    const again = await second.log('events');
    await again.append(lines({ i: 1 }), 1);
    const b = await again.take({ maxRows: 10, maxBytes: 1 << 20 });
    expect(b?.from).toBeGreaterThan(a!.to);
    expect(b?.token).not.toBe(a?.token);
    await second.close();
  });

  it('keeps its identity across restarts (it is part of every token)', async () => {
    const dir = fresh();
    const a = await open(dir);
    await a.close();
    const b = await open(dir);
    expect(b.id).toBe(a.id);
    writeFileSync(join(fresh(), 'x'), '');
    await b.close();
  });

  it("keeps a batch's cached rows in the memory budget until it is committed", async () => {
    const row = lines({ i: 0 });
    const spool = await open(fresh(), { memoryBytes: 2 * row.length });
    const log = await spool.log('events');
    await log.append(row, 1);
    await log.append(row, 1);
    const batch = await log.take({ maxRows: 10, maxBytes: 1 << 20 });
    expect(spool.memoryBytes).toBe(2 * row.length);
    await log.append(lines({ i: 1 }), 1); // the budget is still taken: this row goes to disk only
    expect(spool.memoryBytes).toBe(2 * row.length);
    await log.commit(batch!);
    expect(spool.memoryBytes).toBe(0);
    const rest = await log.take({ maxRows: 10, maxBytes: 1 << 20 });
    expect((await rest?.lines())?.toString()).toBe('{"i":1}\n');
    await spool.close();
  });
});
