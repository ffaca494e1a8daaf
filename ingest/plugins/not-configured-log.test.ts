// A request for a feature the configuration leaves off (GET /ppi/geoip without geoip.file, the default)
// is answered 501 NOT_CONFIGURED. It was logged at error level with a stack trace, like a failure of the
// server, so any client could write an error line per request. Data path TEST DOUBLE, real app and logger.
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApps } from '../app.ts';
import { disabledGeoIp } from '../geoip/geoip.ts';
import { createDataPathDouble } from '../testing/datapath-double.ts';
import { testDeps } from '../testing/deps.ts';

let app: FastifyInstance;
let ops: FastifyInstance;
const lines: Array<{ level: number; msg?: string }> = [];

beforeAll(async () => {
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  const deps = await testDeps(createDataPathDouble(), {}, { geo: disabledGeoIp });
  ({ app, ops } = await buildApps(deps, { logger: { level: 'info', stream } }));
});
afterAll(async () => {
  await app.close();
  await ops.close();
});

describe('a feature that is not configured', () => {
  it('is answered 501 and not logged as an error of the server', async () => {
    const res = await app.inject({ method: 'GET', url: '/tr/v1/ppi/geoip?ip=192.0.2.1' });
    expect(res.statusCode).toBe(501);
    expect(res.json()).toMatchObject({ error: 'NOT_CONFIGURED' });
    expect(lines.filter((l) => l.level >= 50)).toEqual([]);
  });
});
