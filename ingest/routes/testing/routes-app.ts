// Shared setup of the route tests that go through inject() on the data path test double
// (ingest/testing/datapath-double.ts): a fresh public app, operations app and double per test. The
// bindings are live: a test reads `app`, `ops` and `dp` after start() has replaced them.
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach } from 'vitest';
import { buildApps } from '../../app.ts';
import { createDataPathDouble, type DataPathDouble } from '../../testing/datapath-double.ts';
import { testDeps } from '../../testing/deps.ts';

export let dp: DataPathDouble;
export let app: FastifyInstance;
/** The operations app (/metrics, /status), a listener of its own. */
export let ops: FastifyInstance;
export const CONSENT = 'CookieConsent=3';

/** New apps on a new double, from this configuration (and any dependency the test sets itself). */
export async function start(
  config: Record<string, unknown> = {},
  extra: Parameters<typeof testDeps>[2] = {},
): Promise<void> {
  dp = createDataPathDouble();
  ({ app, ops } = await buildApps(await testDeps(dp, config, extra)));
}

/** Every test of the file starts on new apps with the default configuration, closed after it. */
export function freshAppsPerTest(): void {
  beforeEach(() => start());
  afterEach(async () => {
    await app.close();
    await ops.close();
  });
}
