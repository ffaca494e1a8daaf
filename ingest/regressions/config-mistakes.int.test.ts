// Configuration mistakes stop the process with exit 2 and one line naming the key; they used to start
// silently (a batching override for a misspelt table, a GeoIP file that does not exist) or die with a
// stack trace (missing TLS, hash-key or API-key files). A port another process holds used to print its line
// and then hang (the main port) or crash with SIGSEGV (the SQL port): the embedded engine was left open
// when the process exited. An unreachable NATS server is named by nats.url. The real `node ingest/server.ts`.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const SERVER = new URL('../server.ts', import.meta.url).pathname;

function run(config: object): Promise<{ code: number | null; output: string }> {
  const cwd = mkdtempSync(join(tmpdir(), 'config-mistake-'));
  writeFileSync(
    join(cwd, 'ingest.json'),
    // every port the process opens is a free one unless the case says otherwise: a default (sql.port's
    // 8123) may be held by anything else on the machine, which would stop the process for the wrong key
    JSON.stringify({ server: { host: '127.0.0.1', port: 0, opsPort: 0 }, sql: { port: 0 }, ...config }),
  );
  // a process that hangs instead of exiting is killed (its exit code is then null), never left behind
  const child = spawn(process.execPath, [SERVER, '--config', 'ingest.json'], {
    cwd,
    stdio: 'pipe',
    timeout: 60_000,
    killSignal: 'SIGKILL',
  });
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
          opsPort: 0,
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

describe('a port another process listens on stops the process naming the key', () => {
  let taken: Server;
  let port = 0;
  beforeAll(async () => {
    taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    port = (taken.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((resolve) => taken.close(() => resolve())));

  it.each([
    ['server.port', () => ({ server: { host: '127.0.0.1', port, opsPort: 0 } })],
    ['server.opsPort', () => ({ server: { host: '127.0.0.1', port: 0, opsPort: port } })],
    ['sql.port', () => ({ sql: { host: '127.0.0.1', port } })],
  ])('%s', async (key, config) => {
    const { code, output } = await run(config());
    expect(code, output).toBe(2);
    expect(output).toContain(`${key}: 127.0.0.1:${port} is in use`);
  });
});

describe('a NATS server that does not answer', () => {
  // The line used to be "ingest cannot start: connection refused", naming no server.
  it('stops the process naming nats.url', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as { port: number };
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const url = `nats://127.0.0.1:${port}`;
    const { code, output } = await run({ nats: { url, publish: true } });
    expect(code, output).toBe(1);
    expect(output).toContain(`ingest cannot start: nats.url ${url}: `);
  });
});
