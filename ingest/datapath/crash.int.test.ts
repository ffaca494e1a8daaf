// Crash test (issue 3): a child ingests N events through the real data path and is SIGKILLed at
// random moments, several times, then restarted. No acknowledged event may be lost and none may be
// stored twice: in the end exactly N rows and uniqExact(eid) = N.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runChild } from './testing/spawn.ts';

const N = 3000;
const KILLS = 5;

describe('the data path under SIGKILL', () => {
  it(`stores exactly ${N} events after ${KILLS} random kills and restarts`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'crash-'));
    let acked = -1;
    for (let round = 0; round < KILLS; round++) {
      const child = runChild(['ingest', dir, String(N)]);
      const resumed = Number((await child.next((m) => 'resume' in m)).resume);
      // Every acknowledged event survived the previous kill (it is in the store after the replay).
      expect(resumed).toBeGreaterThanOrEqual(acked);
      // Kill after a random number of further acknowledgements, plus a random few milliseconds,
      // so kills land during appends, fsyncs, batch cuts and inserts alike.
      // Spread the kills over what is left, so a round never runs out of events before its kill (a child
      // that stored everything reports done instead of acks, and a kill then proves nothing).
      const span = Math.max(1, Math.floor((N - 100 - resumed) / (KILLS - round)));
      const target = resumed + 1 + Math.floor(Math.random() * span);
      const at = await child.next((m) => (typeof m.ack === 'number' && m.ack >= target) || m.done === true);
      await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 15)));
      child.proc.kill('SIGKILL');
      await child.exited;
      acked = Math.max(
        acked,
        ...child.messages.filter((m) => typeof m.ack === 'number').map((m) => Number(m.ack)),
      );
      if (typeof at.ack === 'number') expect(acked).toBeGreaterThanOrEqual(at.ack);
    }
    const last = runChild(['ingest', dir, String(N)]);
    expect(Number((await last.next((m) => 'resume' in m)).resume)).toBeGreaterThanOrEqual(acked);
    await last.next((m) => m.done === true);
    await last.exited;

    const count = runChild(['count', dir]);
    const result = await count.next((m) => 'count' in m);
    await count.exited;
    expect(result, count.stderr()).toEqual({ count: N, uniq: N, max: N - 1 });
  }, 300_000);
});
