import { describe, expect, it } from 'vitest';
import { packageOf, runtimeSpecifiers } from './graph.ts';

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
