// A ready-made test GeoIP file: a few IPv4/IPv6 ranges with known answers, written to a temp directory.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BinRange, buildBin } from './writer.ts';

export const TEST_RANGES: BinRange[] = [
  {
    from: '81.2.69.0',
    to: '81.2.69.255',
    country: 'GB',
    countryName: 'United Kingdom',
    region: 'England',
    city: 'London',
    lat: 51.5,
    lon: -0.125,
    zip: 'EC1A',
    tz: '+01:00',
  },
  {
    from: '8.8.8.0',
    to: '8.8.8.255',
    country: 'US',
    countryName: 'United States',
    region: 'California',
    city: 'Mountain View',
    lat: 37.4,
    lon: -122.1,
    zip: '94043',
    tz: '-07:00',
  },
  {
    from: '2a02:2770::',
    to: '2a02:2770:ffff:ffff:ffff:ffff:ffff:ffff',
    country: 'NL',
    countryName: 'Netherlands',
    region: 'Noord-Holland',
    city: 'Amsterdam',
    lat: 52.37,
    lon: 4.89,
    zip: '1000',
    tz: '+02:00',
  },
];

export function writeTestBin(ranges: BinRange[] = TEST_RANGES): string {
  const file = join(mkdtempSync(join(tmpdir(), 'ip2l-')), 'test-db11.bin');
  writeFileSync(file, buildBin(ranges));
  return file;
}
