// docs/configuration.md showed every `batching.tables.<name>` key without a default ("unset") while the data
// path flushes each table on defaults of its own: a reader could not tell that an acknowledged event
// reaches the store (the dashboard, query.ts) after up to 10 s, nor what an override replaces.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { resolveSettings, TABLE_DEFAULTS } from '../ingest/datapath/batching/defaults.ts';

const reference = readFileSync(join(import.meta.dirname, '..', 'docs', 'configuration.md'), 'utf8');

/** The documented defaults of a table: its row's cells after the name, backticks removed. */
function documented(name: string): string[] | undefined {
  const line = reference.split('\n').find((l) => l.startsWith(`| ${name} |`));
  return line
    ?.split('|')
    .slice(2, -1)
    .map((c) => c.trim().replaceAll('`', ''));
}

const asCells = (table: string) => {
  const s = resolveSettings(table, undefined);
  return [s.strategy, s.maxRows, s.maxDelayMs, s.maxBytes, s.priority, s.retries, s.backoffMs].map(String);
};

it.each(Object.keys(TABLE_DEFAULTS))(
  'the configuration reference lists the batching the data path gives %s',
  (table) => {
    expect(documented(`\`${table}\``)).toEqual(asCells(table));
  },
);

it('the configuration reference lists the batching of a table without defaults of its own', () => {
  expect(documented('any other table')).toEqual(asCells('no_defaults_of_its_own'));
});

it('says events reach the store within 10 s or 50,000 rows, as ingest/README.md does', () => {
  expect(documented('`events`')?.slice(0, 3)).toEqual(['hybrid', '50000', '10000']);
});
