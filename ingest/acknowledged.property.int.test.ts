// Property: every event the API acknowledges ends as a row in the real engine; none is dead-lettered and
// no input answers 5xx. Thousands of generated events over real HTTP (in batches), against the real data
// path on the embedded engine, with the inputs that used to be acknowledged and then refused by the
// store: lone surrogates, dotted keys colliding with nested paths, deep and wide objects, integers beyond
// 64 bits, NUL bytes, plus arbitrary keys that hit typed columns (testing/arbitraries.ts).
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { event } from './testing/arbitraries.ts';
import { type Live, startLive } from './testing/live.ts';

let live: Live;
beforeAll(async () => {
  // a failed insert is retried as long as it fails: its reason on stderr says why rows do not arrive
  live = await startLive({}, undefined, (msg, err) => console.error(msg, err));
});
afterAll(() => live.close());

// The run's seed is in every failure message (fast-check's own, or the wait for the rows); SEED=<n> replays it.
const SEED = Number(process.env.SEED ?? Math.floor(Math.random() * 2 ** 31));
const BATCHES = 60;
const PER_BATCH = 50;

describe('acknowledged means stored (property)', () => {
  it(`${BATCHES * PER_BATCH} generated events: every acknowledged one is a row, no dead letter, no 5xx`, async () => {
    const acknowledged = new Set<string>();
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(fc.array(event, { minLength: PER_BATCH, maxLength: PER_BATCH }), async (batch) => {
        const res = await fetch(`${live.url}/tr/v1/str/`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(batch),
        });
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        expect(res.status).toBeLessThan(500);
        if (res.status === 200)
          for (const eid of ((await res.json()) as { eids: string[] }).eids) acknowledged.add(eid);
        else expect(res.status).toBe(400);
      }),
      {
        numRuns: BATCHES,
        endOnFailure: true,
        seed: SEED,
      },
    );
    expect(acknowledged.size).toBeGreaterThan(BATCHES * PER_BATCH * 0.5); // most batches are accepted
    const eids = [...acknowledged];
    const stored = async () =>
      Number(
        (
          await live.rows<{ n: string }>('SELECT count() AS n FROM events WHERE has({e:Array(UUID)}, eid)', {
            e: eids,
          })
        )[0]?.n,
      );
    await expect
      .poll(stored, { timeout: 60_000, interval: 250, message: `acknowledged rows stored (SEED=${SEED})` })
      .toBe(eids.length);
    expect(live.runtime.deps.dataPath.status().deadLetters).toBe(0);
  }, 180_000);
});
