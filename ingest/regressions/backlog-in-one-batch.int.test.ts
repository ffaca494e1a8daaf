// A backlog is delivered in batches as large as the table allows: after a restart, an outage, or on a
// machine slow enough that requests pile up before the first flush. One events batch of every generated
// request needed more open files than the process had (a Wide part with files per JSON path and type);
// its insert failed, was retried as it was for ever, and not one acknowledged event was stored. Real
// HTTP, the real data path, the embedded engine; the first instance spools, the second delivers.
import fc from 'fast-check';
import { afterAll, expect, it } from 'vitest';
import { event } from '../testing/arbitraries.ts';
import { type Live, startLive } from '../testing/live.ts';

const SEED = Number(process.env.SEED ?? Math.floor(Math.random() * 2 ** 31));
const REQUESTS = 60;

let live: Live | undefined;
afterAll(() => live?.close());

it(`a backlog of generated events delivered as one batch is stored (SEED=${SEED})`, async () => {
  // nothing is flushed while the requests arrive: every row stays in the spool
  const spooling = await startLive({
    batching: { tables: { events: { strategy: 'time', maxDelayMs: 600_000 } } },
  });
  const acknowledged: string[] = [];
  const bodies = fc.sample(fc.array(event, { minLength: 50, maxLength: 50 }), {
    seed: SEED,
    numRuns: REQUESTS,
  });
  for (const body of bodies) {
    const res = await spooling.post('/tr/v1/str/', body);
    expect(res.status).toBeLessThan(500);
    if (res.status === 200) acknowledged.push(...((await res.json()) as { eids: string[] }).eids);
  }
  expect(acknowledged.length).toBeGreaterThan(REQUESTS * 25);
  await spooling.close(0);

  // the default batching: the recovered rows go out as one batch of up to 50,000 rows
  live = await startLive({}, spooling.dir, (msg, err) => console.error(msg, err));
  const running = live;
  const stored = async () =>
    Number(
      (
        await running.rows<{ n: string }>('SELECT count() AS n FROM events WHERE has({e:Array(UUID)}, eid)', {
          e: acknowledged,
        })
      )[0]?.n,
    );
  await expect
    .poll(stored, { timeout: 60_000, interval: 250, message: `acknowledged rows stored (SEED=${SEED})` })
    .toBe(acknowledged.length);
  expect(running.runtime.deps.dataPath.status().deadLetters).toBe(0);
}, 180_000);
