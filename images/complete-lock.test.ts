import { describe, expect, it } from 'vitest';
import { completeLock, platformOf } from './complete-lock.ts';
import { type Lock, missingEntries } from './lockfile.ts';

describe('platformOf: the platform a napi-rs style package name says', () => {
  it.each([
    ['@chdb/lib-darwin-arm64', { os: ['darwin'], cpu: ['arm64'] }],
    ['@chdb/lib-linux-arm64-gnu', { os: ['linux'], cpu: ['arm64'], libc: ['glibc'] }],
    ['@antoniomuso/lz4-napi-linux-x64-musl', { os: ['linux'], cpu: ['x64'], libc: ['musl'] }],
    ['@antoniomuso/lz4-napi-win32-ia32-msvc', { os: ['win32'], cpu: ['ia32'] }],
    ['fsevents', undefined],
  ])('%s', (name, platform) => {
    expect(platformOf(name)).toEqual(platform);
  });
});

describe('completeLock', () => {
  const incomplete = (): Lock => ({
    name: 'x',
    version: '1.0.0',
    lockfileVersion: 3,
    packages: {
      '': { dependencies: { chdb: '3.4.0' } },
      'node_modules/@chdb/lib-linux-x64-gnu': { version: '26.7.3-stable.1', optional: true },
      'node_modules/chdb': {
        version: '3.4.0',
        license: 'Apache-2.0',
        optionalDependencies: {
          '@chdb/lib-darwin-arm64': '26.7.3-stable.1',
          '@chdb/lib-linux-x64-gnu': '26.7.3-stable.1',
        },
      },
    },
  });

  it('adds the dropped platform entries, hoisted, in npm key order, until npm ci would accept the lock', () => {
    const lock = incomplete();
    expect(completeLock(lock)).toEqual(['node_modules/@chdb/lib-darwin-arm64@26.7.3-stable.1']);
    expect(missingEntries(lock)).toEqual([]);
    expect(lock.packages['node_modules/@chdb/lib-darwin-arm64']).toEqual({
      version: '26.7.3-stable.1',
      cpu: ['arm64'],
      license: 'Apache-2.0',
      optional: true,
      os: ['darwin'],
    });
    expect(Object.keys(lock.packages)).toEqual([
      '',
      'node_modules/@chdb/lib-darwin-arm64',
      'node_modules/@chdb/lib-linux-x64-gnu',
      'node_modules/chdb',
    ]);
  });

  it('refuses a range it cannot turn into one version', () => {
    const lock = incomplete();
    (
      lock.packages['node_modules/chdb'] as { optionalDependencies: Record<string, string> }
    ).optionalDependencies['@chdb/lib-darwin-x64'] = '^26';
    expect(() => completeLock(lock)).toThrow('not an exact version');
  });
});
