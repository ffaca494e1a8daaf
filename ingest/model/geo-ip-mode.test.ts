// The place an event's row names comes from no more of the address than the IP mode stores. The full
// address was looked up in every mode: a row of `truncate` named the city of the whole address next to its
// /24, and a row of `drop` (no IP at all) named city, zip and coordinates.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTestBin } from '../../e2e/support/ip2location-bin/fixture.ts';
import { type GeoIp, openGeoIp } from '../geoip/geoip.ts';
import type { IpMode } from '../privacy/ip.ts';
import { normaliseEvent } from './normalise.ts';
import { testEventDeps, testRequestContext } from './testing/fixtures.ts';

const place = (city: string, zip: string, lat: number) => ({
  country: 'GB',
  countryName: 'United Kingdom',
  region: 'England',
  city,
  zip,
  lat,
  lon: -0.1,
  tz: '+00:00',
});

/** The /24 of the client's address and the address itself lie in two ranges of the file, two cities. */
const RANGES = [
  { from: '81.2.69.0', to: '81.2.69.127', ...place('London', 'EC1A', 51.5) },
  { from: '81.2.69.128', to: '81.2.69.255', ...place('Camden', 'NW1', 51.54) },
];

let geo: GeoIp;
beforeAll(async () => {
  geo = await openGeoIp(writeTestBin(RANGES), 0);
});
afterAll(async () => {
  await geo.close();
});

const rowIn = async (ipMode: IpMode) =>
  (await normaliseEvent({}, testRequestContext({ ip: '81.2.69.160' }), testEventDeps({ geo, ipMode }))).row;

describe('GeoIP by IP mode', () => {
  it('keep: the place of the whole address', async () => {
    expect(await rowIn('keep')).toMatchObject({ country: 'GB', city: 'Camden', zip: 'NW1' });
  });

  it('truncate: the place of the stored /24, not of the whole address', async () => {
    const row = await rowIn('truncate');
    expect(row).toMatchObject({
      ip: '81.2.69.0',
      country: 'GB',
      region: 'England',
      city: 'London',
      zip: 'EC1A',
    });
  });

  it('drop: the country only', async () => {
    const row = await rowIn('drop');
    expect(row.ip).toBe('');
    expect(row.country).toBe('GB');
    for (const column of ['region', 'city', 'zip', 'lat', 'lon']) expect(row[column], column).toBeUndefined();
  });
});
