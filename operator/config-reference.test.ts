// docs/operator-configuration.md lists every operator configuration key with its type, default and
// description (generated; `make check-generated` holds it to the schema). The operator's --help pointed at
// operator/README.md, which named about a third of the keys: running the operator outside the cluster, a
// user looking for leaderElection.namespace or queue.workers had to read the schema's source.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { referenceRows, type SchemaNode } from '../common/config/reference.ts';
import { OperatorConfigSchema, parseConfig } from './config.ts';

const rows = referenceRows(OperatorConfigSchema as SchemaNode);
const page = readFileSync(join(import.meta.dirname, '..', 'docs', 'operator-configuration.md'), 'utf8');

describe('the operator configuration reference', () => {
  it('describes every key', () => {
    expect(rows.length).toBeGreaterThan(20);
    expect(rows.filter((r) => r.description === '').map((r) => r.key)).toEqual([]);
  });

  it('lists every key the operator takes, and the page the --help names is it', () => {
    for (const { key } of rows) expect(page, key).toContain(`| \`${key}\` |`);
    const help = readFileSync(join(import.meta.dirname, 'main.ts'), 'utf8');
    expect(help).toContain('docs/operator-configuration.md');
  });

  // the page is written on any machine: the host name, identity's default, is said in words
  it('names no machine-specific default', () => {
    expect(page).toMatch(/\| `identity` \| string \| {2}\| .*the host name/);
    expect(parseConfig({}).identity).not.toBe('');
  });
});
