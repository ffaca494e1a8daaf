// The starvation guard: an idle-class engine is lifted out of the idle class while rows wait too long or
// the spool fills, and goes back once both are well below their bounds.
import { describe, expect, it } from 'vitest';
import { ManualClock } from './clock.ts';
import {
  ENGINE_GUARD_EVERY_MS,
  ENGINE_LAG_MS,
  ENGINE_SPOOL_SHARE,
  type EngineBacklog,
  EngineGuard,
  engineBacklog,
  engineBehind,
} from './engine-guard.ts';

const MAX = 1_000_000;
const backlog = (overdueMs: number, share = 0): EngineBacklog => ({
  overdueMs,
  spoolBytes: share * MAX,
  spoolMaxBytes: MAX,
});

describe('engineBehind', () => {
  it.each([
    ['nothing overdue', backlog(0), false, false],
    ['rows overdue by less than the bound', backlog(ENGINE_LAG_MS - 1), false, false],
    ['rows overdue by more than the bound', backlog(ENGINE_LAG_MS + 1), false, true],
    ['the spool past its share', backlog(0, ENGINE_SPOOL_SHARE + 0.01), false, true],
    ['behind, rows still overdue by more than half the bound', backlog(ENGINE_LAG_MS / 2 + 1), true, true],
    ['behind, the spool still past half its share', backlog(0, ENGINE_SPOOL_SHARE / 2 + 0.01), true, true],
    [
      'behind, both below half: caught up',
      backlog(ENGINE_LAG_MS / 2 - 1, ENGINE_SPOOL_SHARE / 2 - 0.01),
      true,
      false,
    ],
  ])('%s', (_, b, was, behind) => {
    expect(engineBehind(b, was)).toBe(behind);
  });
});

describe('EngineGuard', () => {
  it('tells the store once when the engine falls behind and once when it has caught up', async () => {
    const clock = new ManualClock();
    let overdueSince: number | undefined;
    const calls: boolean[] = [];
    const guard = new EngineGuard({
      clock,
      backlog: () => ({
        overdueMs: overdueSince === undefined ? 0 : clock.now() - overdueSince,
        spoolBytes: 0,
        spoolMaxBytes: MAX,
      }),
      catchUp: (behind) => calls.push(behind),
    });
    overdueSince = clock.now();
    await clock.advance(ENGINE_LAG_MS - ENGINE_GUARD_EVERY_MS);
    expect(calls).toEqual([]);
    await clock.advance(3 * ENGINE_GUARD_EVERY_MS);
    expect(calls).toEqual([true]);
    expect(guard.behind).toBe(true);
    // the engine inserted them: nothing is overdue
    overdueSince = undefined;
    await clock.advance(3 * ENGINE_GUARD_EVERY_MS);
    expect(calls).toEqual([true, false]);
    guard.stop();
    expect(clock.pending).toBe(0);
  });
});

describe('engineBacklog', () => {
  const NOW = 1_000_000;
  const spool = (pending: Record<string, number | undefined>) => ({
    tables: () => Object.keys(pending),
    peek: (t: string) => ({ pending: { rows: 1, bytes: 1, oldestAt: pending[t] } }),
    bytes: 123,
  });
  const config = { spool: { maxBytes: MAX }, batching: { tables: { sized: { strategy: 'size' as const } } } };

  it('counts a row overdue from its table flush delay, not from its age', () => {
    // mtriage flushes after 2 s, events after 10 s: both rows are 12 s old
    const from = {
      spool: spool({ mtriage: NOW - 12_000, events: NOW - 12_000 }),
      config,
      deliveringSince: [],
    };
    expect(engineBacklog(from, NOW)).toEqual({ overdueMs: 10_000, spoolBytes: 123, spoolMaxBytes: MAX });
  });

  it('counts a batch being delivered from when it was cut, and never rows that wait for a size', () => {
    const from = {
      spool: spool({ sized: NOW - 600_000, none: undefined }),
      config,
      deliveringSince: [NOW - 4_000],
    };
    expect(engineBacklog(from, NOW).overdueMs).toBe(4_000);
  });
});
