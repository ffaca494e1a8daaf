// The `kubectl get trackerclusters` samples in the documents show what kubectl prints: the CRD's printer
// columns, and in SCHEMA the version a Ready cluster reaches (the newest migration). crds/README.md still
// showed 11 after migration 0012 was added (operator/kubectl.int.test.ts holds kubectl itself to it).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { trackerClusterCrd } from './crd.ts';

const root = join(import.meta.dirname, '..');
const DOCS = ['crds/README.md', 'operator/README.md'];
// the migrations' own numbering (schema/migrations/NNNN_<what>.sql), which the applied version records
const latest = Math.max(
  ...readdirSync(join(root, 'schema', 'migrations')).map((f) => Number(/^(\d{4})_/.exec(f)?.[1] ?? 0)),
);

/** Each sample table: its header line and the row of a Ready cluster under it. */
function samples(doc: string): { header: string[]; ready: string[] }[] {
  const lines = readFileSync(join(root, doc), 'utf8').split('\n');
  return lines.flatMap((line, i) =>
    line.startsWith('NAME ') && /\bSCHEMA\b/.test(line)
      ? [{ header: line.trim().split(/\s+/), ready: (lines[i + 1] ?? '').trim().split(/\s+/) }]
      : [],
  );
}

const printerColumns = () =>
  (trackerClusterCrd().spec.versions[0]?.additionalPrinterColumns ?? [])
    .filter((c) => c.priority === undefined || c.priority === 0)
    .map((c) => c.name.toUpperCase());

describe.each(DOCS)('%s: kubectl get trackerclusters', (doc) => {
  const found = samples(doc);
  it('has a sample', () => expect(found.length).toBeGreaterThan(0));
  it.each(found.map((s, i) => [i, s] as const))('sample %i: the printer columns', (_i, { header }) => {
    expect(header).toEqual(['NAME', ...printerColumns()]);
  });
  it.each(found.map((s, i) => [i, s] as const))(
    'sample %i: a Ready cluster at the newest schema',
    (_i, s) => {
      // CLICKHOUSE prints two words (`1x1 1/1`): SCHEMA is read from the end, before AGE
      expect(s.ready.slice(1, 3)).toEqual(['True', 'Available']);
      expect(s.ready.at(-2)).toBe(String(latest));
    },
  );
});
