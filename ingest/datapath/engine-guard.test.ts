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
  engineBehind,
} from './engine-guard.ts';

const MAX = 1_000_000;
const NOW = 1_000_000_000;
const backlog = (ageMs: number | undefined, share = 0): EngineBacklog => ({
  oldestAt: ageMs === undefined ? undefined : NOW - ageMs,
  spoolBytes: share * MAX,
  spoolMaxBytes: MAX,
});

describe('engineBehind', () => {
  it.each([
    ['nothing waits', backlog(undefined), false, false],
    ['rows younger than the bound', backlog(ENGINE_LAG_MS - 1), false, false],
    ['rows older than the bound', backlog(ENGINE_LAG_MS + 1), false, true],
    ['the spool past its share', backlog(0, ENGINE_SPOOL_SHARE + 0.01), false, true],
    ['behind, rows still older than half the bound', backlog(ENGINE_LAG_MS / 2 + 1), true, true],
    ['behind, the spool still past half its share', backlog(0, ENGINE_SPOOL_SHARE / 2 + 0.01), true, true],
    ['behind, both below half: caught up', backlog(ENGINE_LAG_MS / 2 - 1, ENGINE_SPOOL_SHARE / 2 - 0.01), true, false],
  ])('%s', (_, b, was, behind) => {
    expect(engineBehind(b, NOW, was)).toBe(behind);
  });
});

describe('EngineGuard', () => {
  it('tells the store once when the engine falls behind and once when it has caught up', async () => {
    const clock = new ManualClock();
    let oldestAt: number | undefined;
    const calls: boolean[] = [];
    const guard = new EngineGuard({
      clock,
      backlog: () => ({ oldestAt, spoolBytes: 0, spoolMaxBytes: MAX }),
      catchUp: (behind) => calls.push(behind),
    });
    oldestAt = clock.now();
    await clock.advance(ENGINE_LAG_MS + 2 * ENGINE_GUARD_EVERY_MS);
    expect(calls).toEqual([true]);
    expect(guard.behind).toBe(true);
    // the engine inserted them: nothing waits
    oldestAt = undefined;
    await clock.advance(3 * ENGINE_GUARD_EVERY_MS);
    expect(calls).toEqual([true, false]);
    guard.stop();
    expect(clock.pending).toBe(0);
  });
});
