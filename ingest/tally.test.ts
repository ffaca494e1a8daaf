import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { Tally } from './tally.ts';

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
