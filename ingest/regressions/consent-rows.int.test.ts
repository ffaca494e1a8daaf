// Consent rows get the same GeoIP country fallback and browser hash as events: they were stored with no
// country and an empty bhash. Real HTTP, real data path, chdb, the GeoIP BIN fixture.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTestBin } from '../../e2e/support/ip2location-bin/fixture.ts';
import type { IpMode } from '../privacy/ip.ts';
import { type Live, startLive } from '../testing/live.ts';

// One embedded engine per process: each describe starts its ingest and stops it before the next starts.
describe('consent rows', () => {
  let live: Live;
  beforeAll(async () => {
    live = await startLive({ geoip: { file: writeTestBin() } });
  });
  afterAll(() => live.close());

  it('get the GeoIP country fallback and the browser hash, like events', async () => {
    const vid = 'a9000000-0000-4000-8000-000000000011';
    const res = await fetch(`${live.url}/tr/v1/ppi/agree`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-forwarded-for': '81.2.69.160',
        'user-agent': 'Mozilla/5.0 Consent',
      },
      body: JSON.stringify({ vid, cflags: 1 }),
    });
    expect(res.status).toBe(200);
    const row = async () =>
      (
        await live.rows<{ country: string; city: string; bhash: string }>(
          'SELECT country, region, bhash FROM agreed WHERE vid = {vid:UUID}',
          { vid },
        )
      )[0];
    await expect.poll(row, { timeout: 10_000 }).toBeDefined();
    expect(await row()).toMatchObject({ country: 'GB', bhash: expect.stringMatching(/^[0-9a-z]+$/) });
  });
});

/** The /24 of the client's address and the address itself lie in two ranges of the file, two regions. */
const SPLIT = [
  { from: '81.2.69.0', to: '81.2.69.127', country: 'GB', countryName: 'United Kingdom', region: 'England' },
  { from: '81.2.69.128', to: '81.2.69.255', country: 'GB', countryName: 'United Kingdom', region: 'Wales' },
];

// The whole address was looked up in every IP mode: the row's region was that of more than it stored.
describe.each([
  ['truncate', 'England'],
  ['drop', ''],
] as const)('a consent row in ipMode %s', (ipMode: IpMode, region) => {
  let split: Live;
  beforeAll(async () => {
    split = await startLive({ geoip: { file: writeTestBin(SPLIT) }, privacy: { ipMode } });
  });
  afterAll(() => split.close());

  it(`names region "${region}": no more than the stored address gives`, async () => {
    const vid = 'a9000000-0000-4000-8000-000000000012';
    const res = await fetch(`${split.url}/tr/v1/ppi/agree`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': '81.2.69.160' },
      body: JSON.stringify({ vid, cflags: 1 }),
    });
    expect(res.status).toBe(200);
    const row = async () =>
      (await split.rows('SELECT country, region FROM agreed WHERE vid = {vid:UUID}', { vid }))[0];
    await expect.poll(row, { timeout: 10_000 }).toBeDefined();
    expect(await row()).toEqual({ country: 'GB', region });
  });
});
