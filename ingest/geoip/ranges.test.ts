import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTestBin } from '../../e2e/support/ip2location-bin/fixture.ts';
import { ipToBigInt } from '../../e2e/support/ip2location-bin/writer.ts';
import { openGeoIp } from './geoip.ts';
import { addressOf, openRanges, type RangeReader } from './ranges.ts';

const range = (from: string, to: string, country = 'GB') => ({ from, to, country });

// adjacent ranges across an index bucket's edge (1.255.x / 2.0.x), and gaps (rows without a country)
const EDGES = [
  range('1.255.255.0', '2.0.0.127'),
  range('2.0.0.128', '2.0.0.128', 'FR'),
  range('2.0.0.129', '2.0.1.255', 'DE'),
  range('255.255.255.0', '255.255.255.255', 'US'),
  range('2a02:2770::', '2a02:2770::ffff', 'NL'),
];

describe('the range of the BIN row an address falls in', () => {
  let reader: RangeReader;
  beforeAll(async () => {
    reader = await openRanges(writeTestBin(EDGES));
  });
  afterAll(() => reader.close());

  it.each([
    ['1.255.255.0', '1.255.255.0', '2.0.0.127'],
    ['2.0.0.127', '1.255.255.0', '2.0.0.127'],
    ['2.0.0.128', '2.0.0.128', '2.0.0.128'],
    ['2.0.1.0', '2.0.0.129', '2.0.1.255'],
    // the gap before a range is a row of its own
    ['0.0.0.1', '0.0.0.0', '1.255.254.255'],
    ['255.255.255.255', '255.255.255.0', '255.255.255.255'],
    ['::ffff:2.0.0.128', '2.0.0.128', '2.0.0.128'],
    ['2a02:2770::1', '2a02:2770::', '2a02:2770::ffff'],
    ['2a02:2770::ffff', '2a02:2770::', '2a02:2770::ffff'],
  ])('%s: %s to %s', async (ip, start, end) => {
    expect(await reader.range(ip)).toEqual({ start: ipToBigInt(start), end: ipToBigInt(end) });
  });

  it.each(['not-an-ip', '', '2.0.0'])('%j is no address: no range', async (ip) => {
    expect(await reader.range(ip)).toBeUndefined();
  });
});

describe('the range and the lookup', () => {
  it('come from the same row (the library reads the same file)', async () => {
    const geo = await openGeoIp(writeTestBin(EDGES), 0);
    try {
      for (const r of EDGES) {
        for (const ip of [r.from, r.to]) {
          expect((await geo.lookup(ip))?.country).toBe(r.country);
          expect(await geo.range(ip)).toEqual({ start: ipToBigInt(r.from), end: ipToBigInt(r.to) });
        }
      }
    } finally {
      await geo.close();
    }
  });
});

describe('addressOf', () => {
  it.each([
    ['8.8.8.8', 4, ipToBigInt('8.8.8.8')],
    ['::ffff:8.8.8.8', 4, ipToBigInt('8.8.8.8')],
    ['::ffff:808:808', 4, ipToBigInt('8.8.8.8')],
    // 6to4 carries the IPv4 address in bits 16-48; Teredo the client's, inverted, in the last 32 bits
    ['2002:808:808::1', 4, ipToBigInt('8.8.8.8')],
    ['2001:0:4136:e378:8000:63bf:f7f7:f7f7', 4, ipToBigInt('8.8.8.8')],
    ['2001:db8::1', 6, ipToBigInt('2001:db8::1')],
    ['::1', 6, 1n],
    ['fe80::1%eth0', 6, ipToBigInt('fe80::1')],
  ])('%s is searched as IPv%d %s', (ip, family, n) => {
    expect(addressOf(ip)).toEqual({ family, n });
  });
});
