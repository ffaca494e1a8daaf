// Crash tests of the destinations stage: a child ingests N events with the marketing bit while it
// forwards them to a (slow) Graph API test double, and is SIGKILLed at random moments during the
// forwarding, several times, then restarted. Every acknowledged event must reach the destination:
// after the last run, the double has received each of the N event ids (at least once; a batch in
// flight at a kill may be sent again, with the same event_id, which Facebook deduplicates).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { testEid as eid } from '../datapath/testing/rows.ts';
import { runChild } from '../datapath/testing/spawn.ts';
import { type ReceiverDouble, startReceiverDouble } from './testing/receiver-double.ts';

const CHILD = fileURLToPath(new URL('./testing/forward-child.ts', import.meta.url));
const N = 1500;
const KILLS = 4;

let graph: ReceiverDouble;
beforeAll(async () => {
  graph = await startReceiverDouble({ delayMs: 5 });
});
afterAll(() => graph.stop());

const received = () => new Set(graph.ids());

/** Runs the rounds; `extra` is [natsUrl, id] (the JetStream spool when natsUrl is set, else the disk spool). */
async function crashRounds(extra: string[]): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'destinations-crash-'));
  const start = (from: number) => runChild([dir, graph.url, String(from), String(N), ...extra], CHILD);
  let acked = -1;
  for (let round = 0; round < KILLS; round++) {
    const child = start(acked + 1);
    await child.next((m) => m.ready === true);
    // Kill once the double has taken a random number of further events: forwarding is under way.
    const target =
      received().size + 1 + Math.floor(Math.random() * ((N - received().size) / (KILLS - round + 1)));
    await expect
      .poll(() => received().size >= target || child.messages.some((m) => m.appended), {
        timeout: 60_000,
        interval: 5,
      })
      .toBe(true);
    await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 20)));
    // The kill lands while events are still on their way to the destination.
    expect(received().size).toBeLessThan(N);
    child.proc.kill('SIGKILL');
    await child.exited;
    const acks = child.messages.filter((m) => typeof m.ack === 'number').map((m) => Number(m.ack));
    acked = Math.max(acked, ...acks);
  }
  const last = start(acked + 1);
  await last.next((m) => m.appended === true);
  await expect.poll(() => received().size, { timeout: 120_000, interval: 50 }).toBe(N);
  last.proc.kill('SIGTERM');
  await last.exited;
  const all = received();
  const missing = Array.from({ length: N }, (_v, i) => eid(i)).filter((e) => !all.has(e));
  expect(missing).toEqual([]);
  expect([...all].every((e) => e.startsWith('018f0000-0000-7000-8000-'))).toBe(true);
}

describe('the destinations stage under SIGKILL', () => {
  it(`forwards all ${N} acknowledged events after ${KILLS} kills during forwarding (disk spool)`, async () => {
    graph.accepted.length = 0;
    await crashRounds(['', `D${Date.now().toString(36)}`]);
  }, 300_000);

  it(`forwards all ${N} acknowledged events after ${KILLS} kills during forwarding (JetStream spool)`, async () => {
    graph.accepted.length = 0;
    await crashRounds([inject('natsUrl'), `C${Date.now().toString(36)}`]);
  }, 300_000);
});
