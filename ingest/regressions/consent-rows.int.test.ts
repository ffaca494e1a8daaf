// Consent rows get the same GeoIP country fallback and browser hash as events: they were stored with no
// country and an empty bhash. Real HTTP, real data path, chdb, the GeoIP BIN fixture.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTestBin } from '../../e2e/support/ip2location-bin/fixture.ts';
import { type Live, startLive } from '../testing/live.ts';

let live: Live;
beforeAll(async () => {
  live = await startLive({ geoip: { file: writeTestBin() } });
});
afterAll(() => live.close());

describe('consent rows', () => {
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
