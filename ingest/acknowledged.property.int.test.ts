// Property: every event the API acknowledges ends as a row in the real engine; none is dead-lettered and
// no input answers 5xx. Thousands of generated events over real HTTP (in batches), against the real data
// path on the embedded engine, with the inputs that used to be acknowledged and then refused by the
// store: lone surrogates, dotted keys colliding with nested paths, deep and wide objects, integers beyond
// 64 bits, NUL bytes, plus arbitrary keys that hit typed columns.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH } from './datapath/index.ts';
import { type Live, startLive } from './testing/live.ts';

let live: Live;
beforeAll(async () => {
  // a failed insert is retried as long as it fails: its reason on stderr says why rows do not arrive
  live = await startLive({}, undefined, (msg, err) => console.error(msg, err));
});
afterAll(() => live.close());

const nasty = fc.constantFrom(
  '\ud83d',
  '\udc00',
  'buy now \ud83d',
  'a\u0000b',
  '\u0000',
  '',
  '.',
  'a..b',
  '😀',
  '\uffff',
);
const text = fc.oneof(fc.string({ maxLength: 30, unit: 'binary' }), nasty);
const key = fc.oneof(
  text,
  fc.constantFrom(
    'page.title',
    'page',
    'a.b.c',
    'url',
    'vid',
    'cflags',
    'lat',
    'ename',
    'tz',
    'params',
    'targets',
  ),
);
const hugeNumber = fc.constantFrom(
  2 ** 64,
  -(2 ** 63),
  -(2 ** 64),
  Number.MAX_SAFE_INTEGER * 3,
  1e300,
  -1e-300,
  2 ** 53 + 2,
  0.1,
);
const leaf = fc.oneof(
  text,
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  hugeNumber,
);

const value: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(key, tie('value'), { maxKeys: 5 }),
  ),
})).value;

/**
 * A value nested `levels` deep inside an event inside the batch array (so 3 levels are the envelope);
 * rarely beyond the limit: such a batch must be a clean 400, and the rest of the run goes on.
 */
const levels = fc.oneof(
  { weight: 19, arbitrary: fc.integer({ min: 1, max: MAX_JSON_DEPTH - 3 }) },
  { weight: 1, arbitrary: fc.integer({ min: MAX_JSON_DEPTH - 2, max: MAX_JSON_DEPTH + 8 }) },
);
const deep = levels.map((levels) => {
  let v: unknown = 'bottom';
  for (let i = 0; i < levels; i++) v = i % 2 === 0 ? { d: v } : [v];
  return v;
});
const wide = fc
  .integer({ min: 50, max: 400 })
  .map((n) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i])));
const colliding = fc
  .tuple(text, text, leaf, leaf)
  .map(([a, b, x, y]) => ({ [`${a}.${b}`]: x, [a]: { [b]: y } }));

const event = fc
  .record({
    ename: fc.oneof(text, fc.constantFrom('view', 'click')),
    params: fc.oneof(value, colliding, fc.constant(undefined)),
    extra: fc.dictionary(key, value, { maxKeys: 6 }),
    shape: fc.oneof({ weight: 6, arbitrary: fc.constant(undefined) }, deep, wide, colliding),
  })
  .map(({ ename, params, extra, shape }) => ({
    ...extra,
    ename,
    params,
    ...(shape === undefined ? {} : { shape }),
  }));

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
