import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type Lock, missingEntries, pruneLock, resolveIn } from './lockfile.ts';

const lock = (packages: Lock['packages']): Lock => ({
  name: 'x',
  version: '1.0.0',
  lockfileVersion: 3,
  packages,
});

const sample = lock({
  '': { name: 'x', dependencies: { a: '1.0.0', b: '1.0.0' }, devDependencies: { t: '1.0.0' } },
  'node_modules/a': {
    version: '1.0.0',
    dependencies: { c: '^1' },
    optionalDependencies: { 'a-linux-x64': '1.0.0' },
  },
  'node_modules/a-linux-x64': { version: '1.0.0', optional: true, os: ['linux'], cpu: ['x64'] },
  'node_modules/b': { version: '1.0.0', dependencies: { c: '^2' }, peerDependencies: { p: '*' } },
  'node_modules/b/node_modules/c': { version: '2.0.0' },
  'node_modules/c': { version: '1.0.0' },
  'node_modules/p': { version: '1.0.0', peer: true },
  'node_modules/t': { version: '1.0.0', dev: true },
});

describe('resolveIn: the nearest node_modules upwards, as Node and npm resolve', () => {
  it.each([
    ['node_modules/a', 'c', 'node_modules/c'],
    ['node_modules/b', 'c', 'node_modules/b/node_modules/c'],
    ['', 'a', 'node_modules/a'],
    ['node_modules/a', 'zzz', undefined],
  ])('%s needs %s → %s', (from, name, at) => {
    expect(resolveIn(sample, from, name)).toBe(at);
  });
});

describe('missingEntries', () => {
  it('finds none in a complete lock', () => {
    expect(missingEntries(sample)).toEqual([]);
  });

  it('names an optional platform package without an entry (npm ci refuses the lock on every platform)', () => {
    const incomplete = structuredClone(sample);
    delete incomplete.packages['node_modules/a-linux-x64'];
    expect(missingEntries(incomplete)).toEqual([
      'node_modules/a needs a-linux-x64@1.0.0: no entry in the lock',
    ]);
  });

  it('regression: the committed root lock records every optional platform package (npm ci refused it: "Missing: @chdb/lib-darwin-arm64")', () => {
    const root = JSON.parse(readFileSync(new URL('../package-lock.json', import.meta.url), 'utf8')) as Lock;
    expect(missingEntries(root)).toEqual([]);
    for (const p of ['darwin-arm64', 'darwin-x64', 'linux-arm64-gnu', 'linux-x64-gnu'])
      expect(root.packages[`node_modules/@chdb/lib-${p}`]?.optional, p).toBe(true);
  });
});

describe('pruneLock', () => {
  const pruned = pruneLock(sample, { name: 'img', version: '1.0.0' }, { b: '1.0.0' });

  it('keeps exactly what the given dependencies reach, at the same locations', () => {
    expect(Object.keys(pruned.packages)).toEqual([
      '',
      'node_modules/b',
      'node_modules/b/node_modules/c',
      'node_modules/p',
    ]);
    expect(pruned.packages['']?.dependencies).toEqual({ b: '1.0.0' });
  });

  it('recomputes the flags for the smaller tree', () => {
    expect(pruned.packages['node_modules/p']).toEqual({ version: '1.0.0', peer: true });
    const withA = pruneLock(sample, { name: 'img' }, { a: '1.0.0' });
    expect(withA.packages['node_modules/a-linux-x64']?.optional).toBe(true);
    expect(withA.packages['node_modules/c']).toEqual({ version: '1.0.0' });
  });

  it('marks an entry required when one path to it is required, even if another is optional', () => {
    const l = lock({
      '': { dependencies: { a: '1', b: '1' } },
      'node_modules/a': { version: '1', optionalDependencies: { c: '1' } },
      'node_modules/b': { version: '1', dependencies: { c: '1' } },
      'node_modules/c': { version: '1', optional: true },
    });
    expect(pruneLock(l, { name: 'img' }, { a: '1', b: '1' }).packages['node_modules/c']).toEqual({
      version: '1',
    });
  });
});
