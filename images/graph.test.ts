import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importGraph, packageOf, runtimeSpecifiers } from './graph.ts';

describe('runtimeSpecifiers: the modules Node loads, after type stripping', () => {
  it.each([
    ["import { a } from './a.ts';", ['./a.ts']],
    ["import type { A } from './a.ts';", []],
    // Type stripping leaves `import {} from './a.ts'`: the module is still loaded.
    ["import { type A } from './a.ts';", ['./a.ts']],
    ["export { a } from './a.ts';", ['./a.ts']],
    ["export type { A } from './a.ts';", []],
    ["export * from './a.ts';", ['./a.ts']],
    ["import './side-effect.ts';", ['./side-effect.ts']],
    ["async function f() { const { Session } = await import('chdb'); }", ['chdb']],
    ['const m = await import(name);', []],
    // A package whose files a module reads (the dashboard serves uPlot's from node_modules).
    ["const d = require.resolve('uplot/dist/uPlot.iife.min.js');", ['uplot/dist/uPlot.iife.min.js']],
    ["import.meta.resolve('chdb');", ['chdb']],
    ["other.resolve('x');", []],
  ])('%s', (source, expected) => {
    expect(runtimeSpecifiers('x.ts', source)).toEqual(expected);
  });
});

describe('packageOf', () => {
  it.each([
    ['typebox/value', 'typebox'],
    ['@kubernetes/client-node', '@kubernetes/client-node'],
    ['@nats-io/transport-node/lib/x', '@nats-io/transport-node'],
    ['node:fs', undefined],
    ['fs', undefined],
    ['fs/promises', undefined],
  ])('%s → %s', (specifier, pkg) => {
    expect(packageOf(specifier)).toBe(pkg);
  });
});

describe('importGraph: leaving out what a lazy import the image never takes would load', () => {
  it('follows neither the left-out file nor what only it imports, nor a left-out package', () => {
    const root = mkdtempSync(join(tmpdir(), 'graph-'));
    try {
      writeFileSync(join(root, 'main.ts'), "import 'a'; import './cli.ts'; import('chdb');");
      writeFileSync(join(root, 'cli.ts'), "const r = () => import('./render.ts');");
      writeFileSync(join(root, 'render.ts'), "import 'cdk8s';");
      expect(importGraph(root, ['main.ts'])).toEqual({
        files: ['cli.ts', 'main.ts', 'render.ts'],
        packages: ['a', 'cdk8s', 'chdb'],
      });
      expect(importGraph(root, ['main.ts'], ['render.ts', 'chdb'])).toEqual({
        files: ['cli.ts', 'main.ts'],
        packages: ['a'],
      });
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
