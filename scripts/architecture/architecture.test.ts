// The import-graph test: the real graph of every source file keeps the layering of layers.ts (no cycle, no
// upward import, no peer import between the operator and the ingest, no production import of test support,
// no reaching behind a package's door, no file outside the table). The rules themselves are tested on small
// graphs, so a checker that stopped finding anything would fail here too.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cycles, violations } from './check.ts';
import { type ImportGraph, importGraph, repositoryRoot, sourceFiles, specifiers } from './graph.ts';

const graphOf = (edges: Record<string, string[]>): ImportGraph => new Map(Object.entries(edges));

describe('the repository', () => {
  const graph = importGraph();

  it('is read whole: every source file, with its real imports', () => {
    expect(graph.size).toBeGreaterThan(200);
    expect(graph.get('operator/main.ts')).toContain('operator/operator.ts');
    expect(graph.get('ingest/datapath/testing/spawn.ts')).toContain('ingest/datapath/testing/disk-child.ts');
  });

  it('keeps its layering: no cycle, no upward or peer import, no test support in production', () => {
    expect(violations(graph)).toEqual([]);
  });

  it('keeps SQL out of route handlers (it lives in ingest/repositories/)', () => {
    const routes = sourceFiles().filter((f) => f.startsWith('ingest/routes/') && !f.endsWith('.test.ts'));
    const sql = /\b(SELECT|INSERT\s+INTO|ALTER\s+TABLE|DELETE\s+FROM)\b|\.store\b/;
    const offenders = routes.filter((f) => sql.test(readFileSync(join(repositoryRoot, f), 'utf8')));
    expect(routes.length).toBeGreaterThan(10);
    expect(offenders).toEqual([]);
  });

  it('syncs directories in one place (the spool and the erasure journal each had a copy)', () => {
    const production = sourceFiles().filter(
      (f) => !f.endsWith('.test.ts') && !f.split('/').includes('testing'),
    );
    const defines = /\bfunction syncDir\b|\bsyncDir\s*=/;
    const homes = production.filter((f) => defines.test(readFileSync(join(repositoryRoot, f), 'utf8')));
    expect(homes).toEqual(['ingest/sync-dir.ts']);
  });
});

describe('the rules', () => {
  it.each([
    [
      'a cycle',
      { 'store/a.ts': ['store/b.ts'], 'store/b.ts': ['store/a.ts'] },
      'cycle: store/a.ts, store/b.ts import each other',
    ],
    [
      'an upward import across areas',
      { 'common/x.ts': ['kube/kinds.ts'] },
      'upward: common/x.ts imports kube/kinds.ts',
    ],
    [
      'an upward import inside an area',
      { 'ingest/datapath/x.ts': ['ingest/routes/ltv/index.ts'] },
      'upward: ingest/datapath/x.ts imports ingest/routes/ltv/index.ts',
    ],
    [
      'the operator importing the ingest',
      { 'operator/steps/x.ts': ['ingest/errors.ts'] },
      'peers: operator/steps/x.ts',
    ],
    ['the ingest importing the operator', { 'ingest/app.ts': ['operator/log.ts'] }, 'peers: ingest/app.ts'],
    [
      'production importing a testing/ folder',
      { 'operator/steps/x.ts': ['operator/testing/harness.ts'] },
      'test support: operator/steps/x.ts imports operator/testing/harness.ts',
    ],
    ['production importing e2e/', { 'charts/x.ts': ['e2e/env/tools.ts'] }, 'test support: charts/x.ts'],
    [
      'reaching behind a door',
      { 'operator/steps/x.ts': ['cdk8s/meta.ts'] },
      'door: operator/steps/x.ts imports cdk8s/meta.ts',
    ],
    [
      'reaching behind a door inside a door',
      { 'cli/x.ts': ['cdk8s/schema-job/job.ts'] },
      'door: cli/x.ts imports cdk8s/schema-job/job.ts; outside cdk8s/schema-job/ import cdk8s/schema-job/index.ts',
    ],
    ['a file in no layer', { 'ingest/newplace/x.ts': [] }, 'unplaced: ingest/newplace/x.ts'],
  ])('finds %s', (_what, edges, expected) => {
    expect(violations(graphOf(edges)).join('\n')).toContain(expected);
  });

  it('lets tests and test support import anything, and production import downward through doors', () => {
    const allowed = graphOf({
      'operator/reconcile.int.test.ts': ['ingest/testing/live.ts', 'cdk8s/meta.ts', 'operator/main.ts'],
      'operator/testing/harness.ts': ['operator/operator.ts', 'e2e/env/wait.ts'],
      'operator/steps/x.ts': [
        'cdk8s/index.ts',
        'operator/reconcile/state.ts',
        'kube/kinds.ts',
        'store/index.ts',
      ],
      'ingest/routes/x.ts': ['ingest/repositories/index.ts', 'ingest/errors.ts'],
      // a door inside a door, and what lies behind it reaching the outer package's files
      'cli/x.ts': ['cdk8s/index.ts', 'cdk8s/schema-job/index.ts'],
      'cdk8s/schema-job/index.ts': ['cdk8s/schema-job/job.ts', 'cdk8s/chart.ts', 'cdk8s/names.ts'],
    });
    expect(violations(allowed)).toEqual([]);
  });

  it('reports each cycle once, from a self-import to a long loop', () => {
    expect(cycles(graphOf({ 'a.ts': ['a.ts'] }))).toEqual([['a.ts']]);
    const loop = graphOf({ 'a.ts': ['b.ts'], 'b.ts': ['c.ts'], 'c.ts': ['a.ts', 'd.ts'], 'd.ts': [] });
    expect(cycles(loop)).toEqual([['a.ts', 'b.ts', 'c.ts']]);
  });

  it('reads imports, re-exports, dynamic imports and spawned scripts, but not packages', () => {
    const source = [
      "import { a } from './a.ts';",
      "export { b } from '../b.ts';",
      "const c = await import('./c.ts');",
      "const d = new URL('./d.ts', import.meta.url);",
      "import { e } from 'node:fs';",
      "import f from 'typebox';",
    ].join('\n');
    expect(specifiers(source).sort()).toEqual(['../b.ts', './a.ts', './c.ts', './d.ts']);
  });
});
