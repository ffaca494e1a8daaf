// Dependencies for tests: real config parsing, real hashing/salts/limiter, the GeoIP BIN fixture, and a
// data path passed in (the test double for route tests, the real one for functional tests).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeTestBin } from '../../e2e/support/ip2location-bin/fixture.ts';
import { createApiKeyStore } from '../auth/api-keys.ts';
import { type Config, parseConfig } from '../config.ts';
import type { DataPath } from '../datapath/contract.ts';
import type { AppDeps } from '../deps.ts';
import { openFileJournal } from '../erasure/index.ts';
import { type GeoIp, openGeoIp } from '../geoip/geoip.ts';
import { createRateLimiter } from '../plugins/rate-limit/limiter.ts';
import { createHasher } from '../privacy/hash.ts';
import { createMemorySaltStore } from '../privacy/salts.ts';
import { createRepositories, type KeyEntry } from '../repositories/index.ts';

// One GeoIP reader per test process: it only reads the fixture, and nothing closes a test's dependencies,
// so a reader per call left an open file handle for the garbage collector to close (a Node warning).
let geo: Promise<GeoIp> | undefined;
const sharedGeo = (): Promise<GeoIp> => {
  geo ??= openGeoIp(writeTestBin(), 100);
  return geo;
};

export const TEST_OID = '0b6b1b6e-0000-4000-8000-000000000001';
export const OTHER_OID = '0b6b1b6e-0000-4000-8000-000000000002';

export async function testDeps(
  dataPath: DataPath,
  config: Record<string, unknown> = {},
  extra: Partial<AppDeps> & { keys?: KeyEntry[] } = {},
): Promise<AppDeps> {
  const cfg: Config = parseConfig({
    domains: { redirectAllowList: ['example.com', '.example.org'], shortLinkHosts: ['go.example'] },
    ...config,
  });
  const repositories = createRepositories(dataPath.store, cfg.store);
  return {
    config: cfg,
    dataPath,
    geo: await sharedGeo(),
    hasher: createHasher(Buffer.alloc(32, 3)),
    salts: createMemorySaltStore(),
    limiter: createRateLimiter({ perDay: cfg.rateLimits.perIpPerDay, burst: cfg.rateLimits.burst }),
    apiKeys: createApiKeyStore(extra.keys ?? [], repositories.apiKeys),
    // a journal of its own per test app, in the run's temporary directory (never the working directory)
    erasureJournal: await openFileJournal(mkdtempSync(join(tmpdir(), 'erasure-journal-'))),
    repositories,
    ...extra,
  };
}
