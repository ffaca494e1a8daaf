// Every strategy, driven by a hand-moved clock: the pure decision and a TableQueue flushing a fake log.
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.ts';
import type { SpoolBatch, TableLog, TakeLimits } from '../contract.ts';
import { createMetrics } from '../metrics.ts';
import { AdaptiveController } from './adaptive.ts';
import { resolveSettings, type TableSettings } from './defaults.ts';
import { FlushGate } from './gate.ts';
import { decide } from './strategies.ts';
import { TableQueue } from './table-queue.ts';

const base: TableSettings = {
  strategy: 'hybrid',
  maxRows: 100,
  maxDelayMs: 1000,
  maxBytes: 10_000,
  priority: 3,
  retries: 3,
  backoffMs: 10,
};
const at = (strategy: TableSettings['strategy']) => ({ ...base, strategy });

describe('decide', () => {
  it.each([
    // strategy, rows, bytes, age ms, flush?
    ['immediate', 1, 10, 0, true],
    ['immediate', 0, 0, 0, false],
    ['size', 99, 10, 5000, false],
    ['size', 100, 10, 0, true],
    ['memory', 5, 9_999, 5000, false],
    ['memory', 5, 10_000, 0, true],
    ['time', 1, 10, 999, false],
    ['time', 1, 10, 1000, true],
    ['hybrid', 1, 10, 999, false],
    ['hybrid', 1, 10, 1000, true],
    ['hybrid', 100, 10, 0, true],
    ['hybrid', 1, 10_000, 0, true],
  ] as const)('%s with %i rows, %i bytes, %i ms old → flush %s', (strategy, rows, bytes, age, flush) => {
    const now = 10_000;
    expect(decide(at(strategy), { rows, bytes, oldestAt: now - age }, now).flush).toBe(flush);
  });

  it('tells time-based strategies when to look again', () => {
    expect(decide(at('time'), { rows: 1, bytes: 1, oldestAt: 500 }, 1000)).toEqual({
      flush: false,
      wakeAt: 1500,
    });
  });

  it('adaptive: batches bigger when flushes are slow, smaller when they are fast, within bounds', () => {
    const fast = new AdaptiveController();
    const slow = new AdaptiveController();
    for (let t = 0; t < 100; t++) {
      fast.observeArrival(10, t * 10); // 1000 rows/s
      slow.observeArrival(10, t * 10);
    }
    fast.observeFlush(2);
    slow.observeFlush(80);
    const f = fast.target(base.maxRows, base.maxDelayMs);
    const s = slow.target(base.maxRows, base.maxDelayMs);
    expect(f.delayMs).toBeLessThan(s.delayMs);
    expect(f.rows).toBeLessThan(s.rows);
    expect(s.rows).toBeLessThanOrEqual(base.maxRows);
    expect(s.delayMs).toBeLessThanOrEqual(base.maxDelayMs);
    const now = 1_000_000;
    expect(decide(at('adaptive'), { rows: f.rows, bytes: 1, oldestAt: now }, now, fast).flush).toBe(true);
    expect(decide(at('adaptive'), { rows: f.rows - 1, bytes: 1, oldestAt: now }, now, fast).flush).toBe(
      false,
    );
    expect(decide(at('adaptive'), { rows: 1, bytes: 1, oldestAt: now - f.delayMs }, now, fast).flush).toBe(
      true,
    );
  });

  it('adaptive never drives a table to a 10-row floor or past its maximum', () => {
    const c = new AdaptiveController();
    for (let t = 0; t < 1000; t++) c.observeArrival(1000, t); // a flood: 1M rows/s
    c.observeFlush(10_000);
    expect(c.target(500, 2000)).toEqual({ rows: 500, delayMs: 2000 });
  });
});

describe('resolveSettings', () => {
  it('takes the built-in defaults per table and applies overrides field by field', () => {
    expect(resolveSettings('events', undefined)).toMatchObject({
      strategy: 'hybrid',
      maxRows: 50_000,
      maxDelayMs: 10_000,
    });
    expect(resolveSettings('payments', undefined).strategy).toBe('immediate');
    expect(resolveSettings('events', { maxRows: 5 })).toMatchObject({
      strategy: 'hybrid',
      maxRows: 5,
      maxDelayMs: 10_000,
    });
  });
});

/** An in-memory TableLog: enough to drive a TableQueue. */
class FakeLog implements TableLog {
  readonly table = 'events';
  rows: { at: number }[] = [];
  readonly committed: number[] = [];
  readonly recovered = Promise.resolve();
  readonly clock: ManualClock;
  constructor(clock: ManualClock) {
    this.clock = clock;
  }
  get pending() {
    return { rows: this.rows.length, bytes: this.rows.length * 100, oldestAt: this.rows[0]?.at };
  }
  async append(_lines: Buffer, rows: number): Promise<void> {
    for (let i = 0; i < rows; i++) this.rows.push({ at: this.clock.now() });
  }
  async take(limits: TakeLimits): Promise<SpoolBatch | undefined> {
    const n = Math.min(this.rows.length, limits.maxRows, Math.floor(limits.maxBytes / 100) || 1);
    if (n === 0) return undefined;
    this.rows.splice(0, n);
    return {
      table: this.table,
      token: `t${this.committed.length}`,
      from: 0,
      to: 0,
      rows: n,
      pieces: async function* () {},
      lines: async () => Buffer.alloc(0),
    };
  }
  async commit(batch: SpoolBatch): Promise<void> {
    this.committed.push(batch.rows);
  }
}

function harness(settings: TableSettings) {
  const clock = new ManualClock();
  const log = new FakeLog(clock);
  const queue = new TableQueue({
    log,
    settings,
    clock,
    gate: new FlushGate(1),
    metrics: createMetrics(),
    deliver: async () => undefined,
  });
  const add = async (rows: number) => {
    await log.append(Buffer.alloc(0), rows);
    queue.notify(rows);
    await clock.advance(0);
  };
  return { clock, log, queue, add };
}

describe('TableQueue with a controllable clock', () => {
  it('immediate: every append is flushed at once', async () => {
    const h = harness(at('immediate'));
    await h.add(1);
    await h.add(2);
    expect(h.log.committed).toEqual([1, 2]);
  });

  it('time: flushes when the oldest row is maxDelayMs old, not before', async () => {
    const h = harness(at('time'));
    await h.add(3);
    await h.clock.advance(600);
    await h.add(2);
    await h.clock.advance(399);
    expect(h.log.committed).toEqual([]);
    await h.clock.advance(1);
    expect(h.log.committed).toEqual([5]);
  });

  it('size: flushes full batches only', async () => {
    const h = harness(at('size'));
    await h.add(99);
    await h.clock.advance(60_000);
    expect(h.log.committed).toEqual([]);
    await h.add(101);
    expect(h.log.committed).toEqual([100, 100]);
  });

  it('memory: flushes once the queued bytes reach maxBytes', async () => {
    const h = harness({ ...at('memory'), maxRows: 1000 });
    await h.add(99); // 9,900 bytes
    expect(h.log.committed).toEqual([]);
    await h.add(1);
    expect(h.log.committed).toEqual([100]);
  });

  it('hybrid: whichever comes first, rows or age', async () => {
    const h = harness(at('hybrid'));
    await h.add(100);
    expect(h.log.committed).toEqual([100]);
    await h.add(1);
    await h.clock.advance(1000);
    expect(h.log.committed).toEqual([100, 1]);
  });

  it('adaptive: a steady stream is flushed in batches sized to the arrival rate', async () => {
    const h = harness({ ...at('adaptive'), maxRows: 10_000, maxDelayMs: 5000 });
    for (let i = 0; i < 200; i++) {
      await h.add(5);
      await h.clock.advance(5); // 1000 rows/s
    }
    expect(h.log.committed.length).toBeGreaterThan(1);
    expect(Math.max(...h.log.committed)).toBeLessThan(1000);
  });

  it('drain flushes what the strategy would hold back', async () => {
    const h = harness(at('size'));
    await h.add(7);
    await h.queue.drain();
    expect(h.log.committed).toEqual([7]);
  });
});

describe('FlushGate', () => {
  it('gives a freed slot to the best priority first', async () => {
    const gate = new FlushGate(1);
    const order: number[] = [];
    const release = await gate.acquire(5);
    const waiting = [4, 1, 3].map((p) =>
      gate.acquire(p).then((release) => {
        order.push(p);
        release();
      }),
    );
    release();
    await Promise.all(waiting);
    expect(order).toEqual([1, 3, 4]);
  });
});
