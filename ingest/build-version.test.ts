// /status's build.version: TRACKER_VERSION, else the package's version. Every image said "dev", since
// nothing set TRACKER_VERSION.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildVersion } from './build-version.ts';

const rootVersion = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;

describe('buildVersion', () => {
  it('is the version of the package the ingest runs from', () => {
    expect(buildVersion({})).toBe(rootVersion);
  });
  it('is TRACKER_VERSION when set', () => {
    expect(buildVersion({ TRACKER_VERSION: '1.2.3+abc' })).toBe('1.2.3+abc');
  });
  it('is "dev" without a package', () => {
    expect(buildVersion({}, '/nonexistent/package.json')).toBe('dev');
  });
});
