import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTestBin } from '../../e2e/support/ip2location-bin/fixture.ts';
import { type GeoIp, openGeoIp } from './geoip.ts';

describe('GeoIP over a generated IP2Location BIN file (real ip2location-nodejs reader)', () => {
  let geo: GeoIp;
  beforeAll(async () => {
    geo = await openGeoIp(writeTestBin(), 100);
  });
  afterAll(() => geo.close());

  it.each([
    ['81.2.69.160', { country: 'GB', region: 'England', city: 'London', zip: 'EC1A' }],
    ['81.2.69.0', { country: 'GB' }],
    ['8.8.8.8', { country: 'US', city: 'Mountain View' }],
    ['2a02:2770::21a:4aff:fe72:1', { country: 'NL', city: 'Amsterdam' }],
    ['::ffff:81.2.69.1', { country: 'GB' }],
  ])('%s resolves', async (ip, expected) => {
    expect(await geo.lookup(ip)).toMatchObject(expected);
  });

  it('returns lat/lon as numbers', async () => {
    const g = await geo.lookup('81.2.69.160');
    expect(g?.lat).toBeCloseTo(51.5, 3);
    expect(g?.lon).toBeCloseTo(-0.125, 3);
  });

  it.each(['1.1.1.1', '81.2.70.1', '2001:db8::1', 'not-an-ip', ''])('%s has no answer', async (ip) => {
    expect(await geo.lookup(ip)).toBeUndefined();
  });

  it('serves repeats from the cache', async () => {
    const a = await geo.lookup('8.8.8.9');
    const b = await geo.lookup('8.8.8.9');
    expect(b).toBe(a);
  });
});
