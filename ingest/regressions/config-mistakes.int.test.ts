// Configuration mistakes stop the process with exit 2 and one line naming the key; they used to start
// silently (a batching override for a misspelt table, a GeoIP file that does not exist) or die with a
// stack trace (missing TLS, hash-key or API-key files). The real `node ingest/server.ts`.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const SERVER = new URL('../server.ts', import.meta.url).pathname;

function run(config: object): Promise<{ code: number | null; output: string }> {
  const cwd = mkdtempSync(join(tmpdir(), 'config-mistake-'));
  writeFileSync(
    join(cwd, 'ingest.json'),
    JSON.stringify({ server: { host: '127.0.0.1', port: 0 }, ...config }),
  );
  const child = spawn(process.execPath, [SERVER, '--config', 'ingest.json'], { cwd, stdio: 'pipe' });
  let output = '';
  child.stdout.on('data', (d) => {
    output += String(d);
  });
  child.stderr.on('data', (d) => {
    output += String(d);
  });
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, output })));
}

const notBin = join(mkdtempSync(join(tmpdir(), 'not-bin-')), 'geo.bin');
writeFileSync(notBin, 'this is not an IP2Location database, only some text of sufficient length');

describe('configuration mistakes stop the process naming the key', () => {
  it.each([
    [{ batching: { tables: { evnets: { maxRows: 10 } } } }, /batching\.tables\.evnets: no such table/],
    [{ geoip: { file: '/nonexistent/geo.bin' } }, /geoip\.file: no such file: \/nonexistent\/geo\.bin/],
    [{ geoip: { file: notBin } }, /geoip\.file: .* is not an IP2Location BIN file/],
    [
      {
        server: {
          host: '127.0.0.1',
          port: 0,
          tls: { certFile: '/nonexistent/c.pem', keyFile: '/nonexistent/k.pem' },
        },
      },
      /server\.tls\.certFile: no such file/,
    ],
    [{ privacy: { hashKeyFile: '/nonexistent/hash.key' } }, /privacy\.hashKeyFile: no such file/],
    [{ apiKeys: { file: '/nonexistent/keys.json' } }, /apiKeys\.file: no such file/],
  ])('%j', async (config, line) => {
    const { code, output } = await run(config);
    expect(code, output).toBe(2);
    expect(output).toMatch(line);
    expect(output).not.toMatch(/\n\s+at /); // no stack trace
  });
});
