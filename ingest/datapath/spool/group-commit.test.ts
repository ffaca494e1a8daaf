import { mkdtempSync } from 'node:fs';
import { open as openFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DiskSpool, type DiskSpoolOptions } from './disk.ts';

const line = (i: number) => Buffer.from(`${JSON.stringify({ i })}\n`);
const open = (dir: string, more: Partial<DiskSpoolOptions> = {}) =>
  DiskSpool.open({
    dir,
    maxBytes: 1 << 20,
    segmentBytes: 64 * 1024,
    fsyncIntervalMs: 0,
    fsync: true,
    memoryBytes: 1 << 20,
    retryAfterSeconds: 5,
    ...more,
  });
const fresh = () => mkdtempSync(join(tmpdir(), 'spool-gc-'));

async function readBack(dir: string): Promise<string> {
  const spool = await open(dir);
  const log = await spool.log('events');
  const batch = await log.take({ maxRows: 1000, maxBytes: 1 << 20 });
  await spool.close();
  return (await batch?.lines())?.toString() ?? '';
}

describe('adaptive group commit', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('writes a lone append at once: no timer has to fire for it to become durable', async () => {
    const dir = fresh();
    const spool = await open(dir);
    const log = await spool.log('events');
    vi.useFakeTimers({ toFake: ['setTimeout', 'setInterval'] });
    await log.append(line(1), 1);
    vi.useRealTimers();
    await spool.close();
    expect(await readBack(dir)).toBe('{"i":1}\n');
  });

  it('with a window configured, an append waits for that window', async () => {
    const spool = await open(fresh(), { fsyncIntervalMs: 50 });
    const log = await spool.log('events');
    vi.useFakeTimers({ toFake: ['setTimeout', 'setInterval'] });
    let durable = false;
    const appended = log.append(line(1), 1).then(() => {
      durable = true;
    });
    await new Promise((r) => setImmediate(r));
    expect(durable).toBe(false);
    await vi.advanceTimersByTimeAsync(50);
    await appended;
    vi.useRealTimers();
    expect(durable).toBe(true);
    await spool.close();
  });

  it('appends that overlap a write share the next one and keep their order', async () => {
    const dir = fresh();
    const spool = await open(dir);
    const log = await spool.log('events');
    const order: number[] = [];
    const appends = Array.from({ length: 200 }, (_, i) => log.append(line(i), 1).then(() => order.push(i)));
    await Promise.all(appends);
    expect(order).toEqual(Array.from({ length: 200 }, (_, i) => i));
    await spool.close();
    const expected = Array.from({ length: 200 }, (_, i) => `{"i":${i}}\n`).join('');
    expect(await readBack(dir)).toBe(expected);
  });

  it('a group that cannot be written refuses every append in it; the next group is written', async () => {
    const dir = fresh();
    const spool = await open(dir);
    const log = await spool.log('events');
    // node:fs/promises does not export its FileHandle class: its prototype is reached through a handle
    const probe = await openFile(join(dir, 'probe'), 'w');
    const handles = Object.getPrototypeOf(probe) as { writev: (...args: unknown[]) => Promise<unknown> };
    await probe.close();
    const failing = vi.spyOn(handles, 'writev').mockRejectedValueOnce(new Error('EIO'));
    const refused = await Promise.allSettled([0, 1, 2].map((i) => log.append(line(i), 1)));
    failing.mockRestore();
    expect(
      refused.map((r) => (r.status === 'rejected' ? (r.reason as { code: string }).code : r.status)),
    ).toEqual(['OVERLOADED', 'OVERLOADED', 'OVERLOADED']);
    expect(log.pending.rows).toBe(0);
    await log.append(line(3), 1);
    await spool.close();
    expect(await readBack(dir)).toBe('{"i":3}\n');
  });

  it('without fsync, acknowledged rows are written and recovered after a restart', async () => {
    const dir = fresh();
    const spool = await open(dir, { fsync: false });
    const log = await spool.log('events');
    await Promise.all([0, 1, 2].map((i) => log.append(line(i), 1)));
    await spool.close();
    expect(await readBack(dir)).toBe('{"i":0}\n{"i":1}\n{"i":2}\n');
  });
});

describe('group commit under load', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  const immediate = () => new Promise((r) => setImmediate(r));

  /**
   * A first append written alone, and a second one made while that write is under way: the second one
   * queued behind a sync, as requests do under steady load. The caller's timers are fake, so a wait for
   * more appends lasts until the test moves the clock.
   */
  async function loadedSpool(more: Partial<DiskSpoolOptions> = {}) {
    const syncs: number[] = [];
    const spool = await open(fresh(), { onSync: (s) => syncs.push(s), ...more });
    const log = await spool.log('events');
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const first = log.append(line(0), 1);
    await immediate(); // the first group's write has begun
    let secondDurable = false;
    const second = log.append(line(1), 1).then(() => {
      secondDurable = true;
    });
    await first;
    return { spool, log, syncs, second, isSecondDurable: () => secondDurable };
  }

  it('the group after a loaded one waits for more appends, at most groupCommitMaxWaitMs', async () => {
    const { spool, syncs, second, isSecondDurable } = await loadedSpool({ groupCommitMaxWaitMs: 50 });
    await immediate();
    expect(vi.getTimerCount()).toBe(1); // the wait, armed when the first group's sync ended
    expect(isSecondDurable()).toBe(false);
    expect(syncs).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(50);
    await second;
    expect(syncs).toHaveLength(2);
    vi.useRealTimers();
    await spool.close();
  });

  it('the wait ends once the group holds as many appends as the one before and those queued behind it', async () => {
    const { spool, log, syncs, second } = await loadedSpool({ groupCommitMaxWaitMs: 50 });
    // No clock moves: the third append completes the group of two, written at once and synced once.
    await Promise.all([second, log.append(line(2), 1)]);
    expect(syncs).toHaveLength(2);
    vi.useRealTimers();
    await spool.close();
  });

  it('a fixed set of callers, each appending again once answered, never waits out the deadline', async () => {
    const syncs: number[] = [];
    const spool = await open(fresh(), { groupCommitMaxWaitMs: 60_000, onSync: (s) => syncs.push(s) });
    const log = await spool.log('events');
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    // Like clients over a network: each comes back a turn of the event loop after its answer.
    const caller = async (id: number) => {
      for (let i = 0; i < 20; i++) {
        await log.append(line(id * 100 + i), 1);
        await immediate();
      }
    };
    // One caller a group ahead of the other four: a group of four with one queued behind it follows.
    // A target of twice the group before (eight) was out of reach of five callers; only the clock,
    // which does not move here, would have ended that wait.
    const ahead = caller(4);
    await immediate();
    await Promise.all([ahead, ...[0, 1, 2, 3].map((id) => caller(id))]);
    expect(syncs.length).toBeLessThan(100);
    vi.useRealTimers();
    await spool.close();
  });

  it('with groupCommitMaxWaitMs 0 the queued appends are written as soon as the sync before ends', async () => {
    const { spool, second } = await loadedSpool({ groupCommitMaxWaitMs: 0 });
    await second; // no clock moves
    vi.useRealTimers();
    await spool.close();
  });

  it('a lone append after a loaded group still does not wait', async () => {
    const { spool, log, second } = await loadedSpool({ groupCommitMaxWaitMs: 50 });
    await vi.advanceTimersByTimeAsync(50);
    await second;
    await log.append(line(2), 1); // nothing queued behind it: no clock moves
    vi.useRealTimers();
    await spool.close();
  });

  it('closing writes what a wait was gathering', async () => {
    const dir = fresh();
    const spool = await open(dir, { groupCommitMaxWaitMs: 50 });
    const log = await spool.log('events');
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const first = log.append(line(0), 1);
    await immediate();
    const second = log.append(line(1), 1);
    await first;
    await spool.close();
    await second;
    vi.useRealTimers();
    expect(await readBack(dir)).toBe('{"i":0}\n{"i":1}\n');
  });
});

describe('a batch of many single-row appends', () => {
  it('is cut whole and in order, leaving the rest pending (one splice, not a shift per record)', async () => {
    const spool = await open(fresh(), { maxBytes: 64 << 20, memoryBytes: 64 << 20, segmentBytes: 4 << 20 });
    const log = await spool.log('events');
    await Promise.all(Array.from({ length: 20_000 }, (_, i) => log.append(line(i), 1)));
    const first = await log.take({ maxRows: 15_000, maxBytes: 64 << 20 });
    expect(first?.rows).toBe(15_000);
    expect(log.pending.rows).toBe(5_000);
    const rows = ((await first?.lines())?.toString() ?? '').trimEnd().split('\n');
    expect(rows[0]).toBe('{"i":0}');
    expect(rows.at(-1)).toBe('{"i":14999}');
    await log.commit(first!);
    const rest = await log.take({ maxRows: 100_000, maxBytes: 64 << 20 });
    expect(rest?.rows).toBe(5_000);
    expect((await rest?.lines())?.toString().startsWith('{"i":15000}\n')).toBe(true);
    expect(log.pending.rows).toBe(0);
    await spool.close();
  });
});
