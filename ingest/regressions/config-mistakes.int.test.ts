// Configuration mistakes stop the process with exit 2 and one line naming the key; they used to start
// silently (a batching override for a misspelt table, a GeoIP file that does not exist) or die with a
// stack trace (missing TLS, hash-key or API-key files). A port another process holds used to print its line
// and then hang (the main port) or crash with SIGSEGV (the SQL port): the embedded engine was left open
// when the process exited. An unreachable NATS server is named by nats.url. The real `node ingest/server.ts`.
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPortUrl } from '../../e2e/env/ports.ts';
import { writeSelfSignedCert } from '../../e2e/support/tls-cert.ts';

const SERVER = new URL('../server.ts', import.meta.url).pathname;

function run(
  config: object,
  cwd = mkdtempSync(join(tmpdir(), 'config-mistake-')),
  as: { uid?: number; gid?: number } = {},
): Promise<{ code: number | null; output: string }> {
  writeFileSync(
    join(cwd, 'ingest.json'),
    // every port the process opens is a free one unless the case says otherwise: a default (sql.port's
    // 8123) may be held by anything else on the machine, which would stop the process for the wrong key
    JSON.stringify({ server: { host: '127.0.0.1', port: 0, opsPort: 0 }, sql: { port: 0 }, ...config }),
  );
  // a process that hangs instead of exiting is killed (its exit code is then null), never left behind
  const child = spawn(process.execPath, [SERVER, '--config', 'ingest.json'], {
    cwd,
    ...as,
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
    [{ geoip: { file: notBin } }, /geoip\.file: .* is not an IP2Location BIN file/],
    [{ apiKeys: { file: '/nonexistent/keys.json' } }, /apiKeys\.file: no such file/],
  ])('%j', async (config, line) => {
    const { code, output } = await run(config);
    expect(code, output).toBe(2);
    expect(output).toMatch(line);
    expect(output).not.toMatch(/\n\s+at /); // no stack trace
  });
});

// A configured file the start cannot do without that was missing, unreadable or unusable was said with the
// generic STARTUP_INVALID (a mismatched or malformed TLS pair as "PEM routines::no start line", naming
// neither file) and no remedy: each now has a code of its own and a line naming the key, the path and what
// to do.
describe('a configured file that cannot be used stops the start with its own code', () => {
  const dir = mkdtempSync(join(tmpdir(), 'config-files-'));
  const pair = writeSelfSignedCert(mkdtempSync(join(dir, 'a-')), 'a');
  const other = writeSelfSignedCert(mkdtempSync(join(dir, 'b-')), 'b');
  const shortKey = join(dir, 'short.key');
  writeFileSync(shortKey, Buffer.alloc(5, 1));
  const notPem = join(dir, 'not.pem');
  writeFileSync(notPem, 'not a certificate\n');
  const tls = (certFile: string, keyFile: string) => ({
    server: { host: '127.0.0.1', port: 0, opsPort: 0, tls: { certFile, keyFile } },
  });
  const missing = '/nonexistent/f';

  it.each([
    [
      'geoip.file missing',
      { geoip: { file: missing } },
      'GEOIP_FILE_MISSING',
      /geoip\.file: no such file: \/nonexistent\/f; put the IP2Location BIN file there/,
    ],
    [
      'geoip.file a directory',
      { geoip: { file: dir } },
      'GEOIP_FILE_UNREADABLE',
      /geoip\.file: cannot read .*: is a directory, not a file \(EISDIR\); make it a file/,
    ],
    [
      'TLS files missing',
      tls(missing, missing),
      'TLS_FILE_MISSING',
      /server\.tls\.certFile: no such file: .*server\.tls\.keyFile: no such file:/,
    ],
    [
      'TLS cert a directory',
      tls(dir, pair.keyFile),
      'TLS_FILE_UNREADABLE',
      /server\.tls\.certFile: cannot read .* \(EISDIR\)/,
    ],
    [
      'TLS cert not PEM',
      tls(notPem, pair.keyFile),
      'TLS_FILE_INVALID',
      /server\.tls\.certFile: .*not\.pem: not a PEM certificate; put the PEM certificate/,
    ],
    [
      'TLS key not PEM',
      tls(pair.certFile, notPem),
      'TLS_FILE_INVALID',
      /server\.tls\.keyFile: .*not\.pem: not an unencrypted PEM private key/,
    ],
    [
      'TLS key of another cert',
      tls(pair.certFile, other.keyFile),
      'TLS_FILE_INVALID',
      /server\.tls\.keyFile: .*: not the private key of server\.tls\.certFile/,
    ],
    [
      'hash key missing',
      { privacy: { hashKeyFile: missing } },
      'HASH_KEY_FILE_MISSING',
      /privacy\.hashKeyFile: no such file: \/nonexistent\/f; put the deployment's hash key/,
    ],
    [
      'hash key a directory',
      { privacy: { hashKeyFile: dir } },
      'HASH_KEY_FILE_UNREADABLE',
      /privacy\.hashKeyFile: cannot read .* \(EISDIR\)/,
    ],
    [
      'hash key too short',
      { privacy: { hashKeyFile: shortKey } },
      'HASH_KEY_FILE_INVALID',
      /privacy\.hashKeyFile: .*short\.key: holds 5 bytes: a hash key is at least 16 bytes; put/,
    ],
  ])('%s', async (_case, config, code, line) => {
    const { code: exit, output } = await run(config);
    expect(exit, output).toBe(2);
    expect(JSON.parse(output)).toMatchObject({ level: 50, code, msg: expect.stringMatching(line) });
  });

  // A file without read permission: root reads anything, so as root the process runs as nobody.
  it.each([
    ['geoip.file', (f: string) => ({ geoip: { file: f } }), 'GEOIP_FILE_UNREADABLE'],
    ['server.tls.keyFile', (f: string) => tls(pair.certFile, f), 'TLS_FILE_UNREADABLE'],
    ['privacy.hashKeyFile', (f: string) => ({ privacy: { hashKeyFile: f } }), 'HASH_KEY_FILE_UNREADABLE'],
  ])('%s without read permission', async (key, config, code) => {
    const cwd = mkdtempSync(join(tmpdir(), 'config-unreadable-'));
    chmodSync(cwd, 0o755);
    const file = join(cwd, 'secret');
    writeFileSync(file, Buffer.alloc(32, 1), { mode: 0o000 });
    const nobody = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    const { code: exit, output } = await run(config(file), cwd, nobody);
    expect(exit, output).toBe(2);
    expect(JSON.parse(output)).toMatchObject({
      code,
      msg: expect.stringContaining(`${key}: cannot read ${file}: permission denied (EACCES); make it a file`),
    });
  });
});

// The hash key generated in server.stateDir (privacy.hashKeyFile unset) that a later start found damaged was
// said with the generic STARTUP_INVALID, naming neither the file nor what to do: a new key changes every
// stored hash, so the line says to restore it from a backup (deleting it makes a new one).
describe('a damaged generated hash key stops the start with its own code', () => {
  it.each([
    [
      'too short',
      (file: string) => writeFileSync(file, Buffer.alloc(5, 1)),
      'HASH_KEY_FILE_INVALID',
      /^server\.stateDir: the generated hash key (\S+) holds 5 bytes: a hash key is at least 16 bytes; restore it from a backup of server\.stateDir/,
    ],
    [
      'a directory',
      (file: string) => mkdirSync(file),
      'HASH_KEY_FILE_UNREADABLE',
      /^server\.stateDir: cannot read the generated hash key (\S+): is a directory, not a file \(EISDIR\);.* restore it from a backup of server\.stateDir/,
    ],
  ])('%s', async (_case, damage, code, line) => {
    const cwd = mkdtempSync(join(tmpdir(), 'generated-key-'));
    const stateDir = join(cwd, 'state');
    mkdirSync(stateDir);
    const file = join(stateDir, 'hash.key');
    damage(file);
    const server = { host: '127.0.0.1', port: 0, opsPort: 0, stateDir };
    const { code: exit, output } = await run({ server }, cwd);
    expect(exit, output).toBe(2);
    const logged = JSON.parse(output) as { code: string; msg: string };
    expect(logged).toMatchObject({
      level: 50,
      code,
      msg: expect.stringContaining('deleting it makes a new one'),
    });
    expect(logged.msg.replace('ingest cannot start: ', '').match(line)?.[1], logged.msg).toBe(file);
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
    const url = await closedPortUrl('nats');
    const { code, output } = await run({ nats: { url, publish: true } });
    expect(code, output).toBe(1);
    expect(output).toContain(`ingest cannot start: nats.url ${url}: `);
  });
});
