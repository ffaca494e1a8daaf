import { mkdirSync, mkdtempSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_RANGES, writeTestBin } from '../../e2e/support/ip2location-bin/fixture.ts';
import { buildBin } from '../../e2e/support/ip2location-bin/writer.ts';
import { type GeoIp, GeoIpFileError, openGeoIp, openReloading, type ReloadingGeoIp } from './geoip.ts';

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
  /** Two looks at the file: a changed one is used only once it has stayed the same between them. */
  const lookTwice = async (geo: ReloadingGeoIp) => {
    await geo.check();
    await geo.check();
  };

  it('uses a new file renamed over the old one, once it is whole', async () => {
    const file = writeTestBin();
    const reloaded: string[] = [];
    const geo = await openReloading(file, 100, { onReload: (f) => reloaded.push(f) });
    expect(await geo.lookup('8.8.8.8')).toMatchObject({ country: 'US' });
    writeFileSync(`${file}.new`, buildBin(moved));
    renameSync(`${file}.new`, file);
    await geo.check();
    expect(reloaded).toEqual([]); // seen once: not yet known to have stopped changing
    await geo.check();
    expect(reloaded).toEqual([file]);
    expect(await geo.lookup('8.8.8.8')).toMatchObject({ country: 'DE', city: 'Berlin' });
    expect(await geo.lookup('81.2.69.160')).toMatchObject({ country: 'GB' });
    await geo.close();
  });

  it('keeps the file in use when the new one is not a GeoIP file', async () => {
    const file = writeTestBin();
    const errors: unknown[] = [];
    const geo = await openReloading(file, 100, { onError: (e) => errors.push(e) });
    writeFileSync(`${file}.new`, 'not an IP2Location file at all, only some text of sufficient length');
    renameSync(`${file}.new`, file);
    await lookTwice(geo);
    expect(errors).toEqual([expect.objectContaining({ code: 'GEOIP_FILE_INVALID' })]);
    expect(String(errors[0])).toMatch(/is not an IP2Location BIN file/);
    expect(await geo.lookup('8.8.8.8')).toMatchObject({ country: 'US' });
    await geo.close();
  });

  // `cp new.BIN current.BIN` rewrites the file the reader held open: lookups read a header over half a
  // body (errors, or other places' rows), the old data was gone, and the half-written file was opened.
  it('keeps answering from the old data while the file is rewritten in place, then uses it once whole', async () => {
    const file = writeTestBin();
    const next = buildBin(moved);
    const errors: unknown[] = [];
    const reloaded: string[] = [];
    const geo = await openReloading(file, 100, {
      onError: (e) => errors.push(e),
      onReload: (f) => reloaded.push(f),
    });
    writeFileSync(file, next.subarray(0, Math.floor(next.length * 0.6)));
    await lookTwice(geo);
    expect(errors).toEqual([
      expect.objectContaining({ name: 'GeoIpFileError', code: 'GEOIP_FILE_INCOMPLETE' }),
    ]);
    expect(reloaded).toEqual([]);
    // addresses not asked before (no cached answer): read from the data in use
    expect(await geo.lookup('8.8.8.20')).toMatchObject({ country: 'US', city: 'Mountain View' });
    expect(await geo.lookup('2a02:2770::5')).toMatchObject({ country: 'NL' });
    expect(await geo.range('8.8.8.21')).toBeDefined();
    await lookTwice(geo); // the same incomplete file is not tried (nor told) again
    expect(errors).toHaveLength(1);
    writeFileSync(file, next);
    await lookTwice(geo);
    expect(reloaded).toEqual([file]);
    expect(await geo.lookup('8.8.8.30')).toMatchObject({ country: 'DE', city: 'Berlin' });
    expect(errors).toHaveLength(1);
    await geo.close();
  });

  it.each([
    ['shorter than its header', (b: Buffer) => b.subarray(0, 40)],
    ['of another size than its header says', (b: Buffer) => Buffer.concat([b, Buffer.alloc(10)])],
    [
      'cut before its tables end, with no size in its header',
      (b: Buffer) => {
        const cut = Buffer.from(b.subarray(0, 64 + 65_536 * 8));
        cut.writeUInt32LE(0, 31);
        return cut;
      },
    ],
  ])('refuses a file %s', async (_what, damage) => {
    const file = writeTestBin();
    const errors: unknown[] = [];
    const geo = await openReloading(file, 100, { onError: (e) => errors.push(e) });
    writeFileSync(file, damage(buildBin(moved)));
    await lookTwice(geo);
    expect(errors).toEqual([expect.objectContaining({ code: 'GEOIP_FILE_INCOMPLETE' })]);
    expect(await geo.lookup('8.8.8.40')).toMatchObject({ country: 'US' });
    await geo.close();
  });

  // Only a file that is not usable waits for its next change: a copy the disk refused is tried again.
  it('tries a file again when its copy could not be made, without waiting for it to change', async () => {
    const copyDir = mkdtempSync(join(tmpdir(), 'geoip-copies-'));
    const file = writeTestBin();
    const errors: unknown[] = [];
    const reloaded: string[] = [];
    const geo = await openReloading(file, 100, {
      copyDir,
      onError: (e) => errors.push(e),
      onReload: (f) => reloaded.push(f),
    });
    // the next copy's path taken by a directory: that copy fails as a full disk's would, not for the file
    mkdirSync(join(copyDir, 'geoip-2.bin'));
    writeFileSync(`${file}.new`, buildBin(moved));
    renameSync(`${file}.new`, file);
    await lookTwice(geo);
    expect(errors).toEqual([expect.objectContaining({ code: expect.stringMatching(/^E/) })]);
    expect(errors[0]).not.toBeInstanceOf(GeoIpFileError);
    expect(await geo.lookup('8.8.8.50')).toMatchObject({ country: 'US' });
    await lookTwice(geo);
    expect(reloaded).toEqual([file]);
    expect(await geo.lookup('8.8.8.51')).toMatchObject({ country: 'DE' });
    await geo.close();
  });

  it('leaves no copies behind when closed', async () => {
    const copyDir = mkdtempSync(join(tmpdir(), 'geoip-copies-'));
    writeFileSync(join(copyDir, 'geoip-7.bin'), 'left by a process before this one');
    const geo = await openReloading(writeTestBin(), 100, { copyDir });
    expect(readdirSync(copyDir)).toEqual(['geoip-1.bin']);
    await geo.close();
    expect(readdirSync(copyDir)).toEqual([]);
  });
});
