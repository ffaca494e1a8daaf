// GET /tr/v1/ppi/geoip through inject() over the GeoIP BIN fixture (e2e/support/ip2location-bin/).
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApps } from '../../app.ts';
import { disabledGeoIp } from '../../geoip/geoip.ts';
import { createDataPathDouble } from '../../testing/datapath-double.ts';
import { testDeps } from '../../testing/deps.ts';

let app: FastifyInstance;
let ops: FastifyInstance;
beforeAll(async () => {
  ({ app, ops } = await buildApps(await testDeps(createDataPathDouble())));
});
afterAll(async () => {
  await app.close();
  await ops.close();
});

const geoip = async (ip: string) => {
  const res = await app.inject({ url: `/tr/v1/ppi/geoip?ip=${encodeURIComponent(ip)}` });
  return { status: res.statusCode, body: res.json() as Record<string, unknown> };
};

describe('GET /tr/v1/ppi/geoip', () => {
  // Regression: the answer lacked ips/ipe, the first and last address (decimal) of the matched range,
  // which the Go tracker's answer has.
  it.each([
    ['8.8.8.8', '134744064', '134744319'],
    ['81.2.69.0', '1359103232', '1359103487'],
    ['81.2.69.255', '1359103232', '1359103487'],
    // an IPv4-mapped address is looked up, and answered, as its IPv4 address
    ['::ffff:81.2.69.1', '1359103232', '1359103487'],
    [
      '2a02:2770::21a:4aff:fe72:1',
      '55838760304212280329969301944155504640',
      '55838760383440442844233639537699454975',
    ],
  ])('%s answers its range: ips %s, ipe %s', async (ip, ips, ipe) => {
    const { status, body } = await geoip(ip);
    expect(status).toBe(200);
    expect(body).toMatchObject({ ip, ips, ipe });
  });

  it('answers the Go tracker’s fields, in its order', async () => {
    const { body } = await geoip('81.2.69.160');
    expect(body).toEqual({
      ip: '81.2.69.160',
      ips: '1359103232',
      ipe: '1359103487',
      iso2: 'GB',
      country: 'United Kingdom',
      region: 'England',
      city: 'London',
      lat: expect.closeTo(51.5, 3),
      lon: expect.closeTo(-0.125, 3),
      zip: 'EC1A',
      tz: '+01:00',
    });
    expect(Object.keys(body)).toEqual([
      'ip',
      'ips',
      'ipe',
      'iso2',
      'country',
      'region',
      'city',
      'lat',
      'lon',
      'zip',
      'tz',
    ]);
  });

  it.each(['1.1.1.1', '2001:db8::1'])('%s, in no range of the file, is a 404', async (ip) => {
    expect((await geoip(ip)).status).toBe(404);
  });

  // A missing feature is not a missing resource: it was a 404, which reads like an unknown address.
  it('without geoip.file is 501 NOT_CONFIGURED naming the setting', async () => {
    const deps = await testDeps(createDataPathDouble(), {}, { geo: disabledGeoIp });
    const apps = await buildApps(deps);
    try {
      const res = await apps.app.inject({ url: '/tr/v1/ppi/geoip?ip=81.2.69.160' });
      expect(res.statusCode).toBe(501);
      expect(res.json()).toEqual({ error: 'NOT_CONFIGURED', message: expect.stringMatching(/geoip\.file/) });
    } finally {
      await apps.app.close();
      await apps.ops.close();
    }
  });
});
