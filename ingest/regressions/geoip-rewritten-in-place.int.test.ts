// `cp new.BIN current.BIN` over the configured GeoIP file rewrote, byte by byte, the file the running ingest
// read its lookups from: while the copy ran, lookups read a header over half a body (errors, or other
// places' rows), and the half-written file was taken as the new database. The real `node ingest/server.ts`
// (on a ClickHouse store nothing listens at: no engine, no service) keeps answering from the database in
// use, says why in one coded JSON warning, and uses the new file once it is whole. A lookup looks at the
// file at most every 10 s and a changed file is used after two looks: this test waits ~20 s, twice (an
// integration test for its length, though it needs no service).
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TEST_RANGES } from '../../e2e/support/ip2location-bin/fixture.ts';
import { buildBin } from '../../e2e/support/ip2location-bin/writer.ts';

const SERVER = new URL('../server.ts', import.meta.url).pathname;

const moved = TEST_RANGES.map((r) =>
  r.country === 'US' ? { ...r, country: 'DE', countryName: 'Germany', city: 'Berlin' } : r,
);

describe('a GeoIP file rewritten in place under the running ingest', { timeout: 120_000 }, () => {
  let child: ChildProcess | undefined;
  afterAll(() => {
    child?.kill('SIGKILL');
  });

  it('keeps answering from the old data with a coded warning, then uses the new file once whole', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'geoip-in-place-'));
    const file = join(cwd, 'geo.bin');
    writeFileSync(file, buildBin(TEST_RANGES));
    const config = {
      server: { host: '127.0.0.1', port: 0, opsPort: 0 },
      sql: { port: 0 },
      store: { kind: 'clickhouse', url: 'http://127.0.0.1:1' },
      geoip: { file, cacheSize: 0 },
    };
    writeFileSync(join(cwd, 'ingest.json'), JSON.stringify(config));
    const proc = spawn(process.execPath, [SERVER, '--config', 'ingest.json'], { cwd, stdio: 'pipe' });
    child = proc;
    let out = '';
    proc.stdout.on('data', (d) => {
      out += String(d);
    });
    proc.stderr.on('data', (d) => {
      out += String(d);
    });
    const base = async () => {
      if (proc.exitCode !== null) throw new Error(`exited:\n${out}`);
      return /dashboard: (http:\/\/127\.0\.0\.1:\d+)\//.exec(out)?.[1];
    };
    await expect.poll(base, { timeout: 60_000, interval: 200 }).toBeDefined();
    const url = await base();
    const country = async () => {
      const res = await fetch(`${url}/tr/v1/ppi/geoip?ip=8.8.8.8`);
      return ((await res.json()) as { iso2?: string; error?: string }).iso2 ?? res.status;
    };
    expect(await country()).toBe('US');

    const next = buildBin(moved);
    writeFileSync(file, next.subarray(0, Math.floor(next.length / 2)));
    const warned = () =>
      out
        .split('\n')
        .filter((l) => l.includes('GEOIP_FILE_INCOMPLETE'))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    const answers: unknown[] = [];
    await expect
      .poll(
        async () => {
          answers.push(await country()); // each lookup is also what looks at the file again
          return warned().length;
        },
        { timeout: 60_000, interval: 250 },
      )
      .toBe(1);
    expect(new Set(answers)).toEqual(new Set(['US']));
    expect(warned()[0]).toMatchObject({
      level: 40,
      code: 'GEOIP_FILE_INCOMPLETE',
      msg: expect.stringMatching(/^geoip\.file: the changed file is not used/),
      err: expect.objectContaining({ message: expect.stringContaining('still being written') }),
    });

    writeFileSync(file, next);
    await expect.poll(country, { timeout: 60_000, interval: 250 }).toBe('DE');
    expect(warned()).toHaveLength(1);
    proc.kill('SIGTERM');
  });
});
