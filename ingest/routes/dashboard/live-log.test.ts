// How the live feed logs its failed reads: the first of a kind at once, then at most one line every
// READ_FAILURE_LOG_MS saying how many it held back, on a clock the test moves. A store down with a
// dashboard open wrote the same warning on every poll (live-log.int.test.ts has it over real HTTP).
import { describe, expect, it } from 'vitest';
import { IngestError } from '../../errors.ts';
import { READ_FAILURE_LOG_MS, readFailureLog } from './live.ts';

const down = new IngestError('OVERLOADED', 'dashboard data could not be read: the store is down or busy');
const refused = new IngestError('STORE_REFUSED', 'dashboard data could not be read: credentials');

function logged() {
  const clock = { t: 1_000_000 };
  const lines: { code: string; msg: string }[] = [];
  const log = readFailureLog(
    ({ code }, msg) => lines.push({ code, msg }),
    () => clock.t,
  );
  return { clock, lines, log };
}

describe('the live feed’s failed reads in the log', () => {
  it('says the first, holds back the repeats, then says how many it held back', () => {
    const { clock, lines, log } = logged();
    for (let poll = 0; poll < 10; poll++, clock.t += 1000) log(down);
    expect(lines).toEqual([{ code: 'OVERLOADED', msg: 'dashboard live feed: read failed' }]);
    log(down); // 10 s after the first
    expect(lines[1]).toEqual({
      code: 'OVERLOADED',
      msg: 'dashboard live feed: read failed (and 9 more since the last report)',
    });
    clock.t += READ_FAILURE_LOG_MS;
    log(down);
    expect(lines[2]?.msg).toBe('dashboard live feed: read failed');
  });

  it('says a failure of another kind at once', () => {
    const { clock, lines, log } = logged();
    log(down);
    clock.t += 1000;
    log(refused);
    log(down);
    expect(lines.map((l) => l.code)).toEqual(['OVERLOADED', 'STORE_REFUSED']);
  });
});
