import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { Tally, TallyHistogram } from './tally.ts';

const tallied = () => {
  const registry = new Registry();
  const tally = new Tally<'table' | 'kind'>({
    name: 'rows_total',
    help: 'rows',
    labelNames: ['table', 'kind'],
    registers: [registry],
  });
  const sample = async (labels: Record<string, string>) =>
    (await tally.counter.get()).values.find((v) => JSON.stringify(v.labels) === JSON.stringify(labels))
      ?.value;
  return { registry, tally, sample };
};

describe('Tally', () => {
  it('hands its counts to the prom-client counter on every read, each count once', async () => {
    const { tally, sample } = tallied();
    const cell = tally.cell({ table: 'events', kind: 'a' });
    cell.n += 3;
    expect(await sample({ table: 'events', kind: 'a' })).toBe(3);
    expect(await sample({ table: 'events', kind: 'a' })).toBe(3);
    cell.n++;
    expect(await sample({ table: 'events', kind: 'a' })).toBe(4);
  });

  it('counts by one label with a cell per value; a scrape of the registry sees them', async () => {
    const { registry, tally } = tallied();
    const count = tally.by('table');
    count('events', 2);
    count('mstore', 1);
    count('events', 5);
    const text = await registry.metrics();
    expect(text).toContain('rows_total{table="events"} 7');
    expect(text).toContain('rows_total{table="mstore"} 1');
  });

  it('shows no series for a label set never counted', async () => {
    const { registry, tally } = tallied();
    tally.cell({ table: 'events', kind: 'a' });
    expect(await registry.metrics()).not.toMatch(/^rows_total\{/m);
  });
});

const BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/** The same histogram twice, prom-client's and a tally, each in a registry of its own. */
const twins = () => {
  const config = { name: 'req_seconds', help: 'time', labelNames: ['route'] as const, buckets: BUCKETS };
  const plainRegistry = new Registry();
  const tallyRegistry = new Registry();
  const plain = new Histogram({ ...config, labelNames: [...config.labelNames], registers: [plainRegistry] });
  const tally = new TallyHistogram({
    ...config,
    labelNames: [...config.labelNames],
    registers: [tallyRegistry],
  });
  const texts = async () => [await plainRegistry.metrics(), await tallyRegistry.metrics()];
  return { plain, tally, texts };
};

// Every bound itself, values between the bounds, above the last one and 0: each bucket's edge.
const ON_BOUNDS = [0, ...BUCKETS, 0.0007, 0.003, 0.2, 0.7, 3, 7, 1e6];
// Multiples of 2^-10: their sums are exact in any order, so the sum's line matches across reads too.
const DYADIC = [1, 3, 9, 27, 81, 243, 700, 2000, 6000].map((n) => n / 1024);

describe('TallyHistogram', () => {
  it.each([
    ['values on and between the bounds, read once', [ON_BOUNDS], []],
    ['dyadic values, read between observations', [DYADIC, DYADIC.slice(2), [5000 / 1024]], []],
    ['a label set observed through observe() as well', [DYADIC, DYADIC], DYADIC],
  ] as const)('renders what prom-client renders: %s', async (_name, rounds, alsoPlain) => {
    const { plain, tally, texts } = twins();
    const a = tally.cell({ route: '/a' });
    const b = tally.cell({ route: '/b' });
    for (const values of rounds) {
      for (const [i, v] of values.entries()) {
        const route = i % 3 === 0 ? '/b' : '/a';
        plain.observe({ route }, v);
        (route === '/a' ? a : b).observe(v);
      }
      const [p, t] = await texts();
      expect(t).toBe(p);
    }
    for (const v of alsoPlain) {
      plain.observe({ route: '/a' }, v);
      tally.observe({ route: '/a' }, v);
      a.observe(v);
      plain.observe({ route: '/a' }, v);
    }
    const [p, t] = await texts();
    expect(t).toBe(p);
    expect(await tally.get()).toEqual(await plain.get());
  });

  it('shows no series for a cell never observed, and starts again after reset() and remove()', async () => {
    const { plain, tally, texts } = twins();
    const a = tally.cell({ route: '/a' });
    tally.cell({ route: '/never' });
    a.observe(0.5);
    plain.observe({ route: '/a' }, 0.5);
    expect((await texts())[1]).not.toContain('/never');
    tally.reset();
    plain.reset();
    a.observe(0.25);
    plain.observe({ route: '/a' }, 0.25);
    let [p, t] = await texts();
    expect(t).toBe(p);
    tally.remove({ route: '/a' });
    plain.remove({ route: '/a' });
    a.observe(2);
    plain.observe({ route: '/a' }, 2);
    [p, t] = await texts();
    expect(t).toBe(p);
  });

  it('refuses a value that is not a finite number, as prom-client does', () => {
    const a = twins().tally.cell({ route: '/a' });
    expect(() => a.observe(Number.NaN)).toThrow(TypeError);
    expect(() => a.observe(Number.POSITIVE_INFINITY)).toThrow(TypeError);
  });
});
