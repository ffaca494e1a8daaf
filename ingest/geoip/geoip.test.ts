import { renameSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_RANGES, writeTestBin } from '../../e2e/support/ip2location-bin/fixture.ts';
import { buildBin } from '../../e2e/support/ip2location-bin/writer.ts';
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

// The file was opened once and read for as long as the process ran: the monthly update of the GeoIP file
// was never seen until a restart.
describe('GeoIP after its file is updated', () => {
  const moved = TEST_RANGES.map((r) =>
    r.country === 'US' ? { ...r, country: 'DE', countryName: 'Germany', city: 'Berlin' } : r,
  );

  it('uses a new file renamed over the old one, once it is whole', async () => {
    const file = writeTestBin();
    let t = 0;
    const reloaded: string[] = [];
    const geo = await openGeoIp(file, 100, { checkMs: 10, now: () => t, onReload: (f) => reloaded.push(f) });
    expect(await geo.lookup('8.8.8.8')).toMatchObject({ country: 'US' });
    writeFileSync(`${file}.new`, buildBin(moved));
    renameSync(`${file}.new`, file);
    for (let i = 0; i < 100 && reloaded.length === 0; i++) {
      t += 10;
      await geo.lookup('81.2.69.1');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(reloaded).toEqual([file]);
    expect(await geo.lookup('8.8.8.8')).toMatchObject({ country: 'DE', city: 'Berlin' });
    expect(await geo.lookup('81.2.69.160')).toMatchObject({ country: 'GB' });
    await geo.close();
  });

  it('keeps the file in use when the new one is not a GeoIP file', async () => {
    const file = writeTestBin();
    let t = 0;
    const errors: unknown[] = [];
    const geo = await openGeoIp(file, 100, { checkMs: 10, now: () => t, onError: (e) => errors.push(e) });
    writeFileSync(`${file}.new`, 'not an IP2Location file at all, only some text of sufficient length');
    renameSync(`${file}.new`, file);
    for (let i = 0; i < 100 && errors.length === 0; i++) {
      t += 10;
      await geo.lookup('1.1.1.1');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(String(errors[0])).toMatch(/is not an IP2Location BIN file/);
    expect(await geo.lookup('8.8.8.8')).toMatchObject({ country: 'US' });
    await geo.close();
  });
});
