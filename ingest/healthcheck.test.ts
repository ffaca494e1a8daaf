// The image's health check as a process: it probes /health where the configuration puts the server (port
// from the environment, or HTTPS from the config file of the server's command line) and says why when not.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttp, type Server } from 'node:http';
import { createServer as createHttps } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeSelfSignedCert } from '../e2e/support/tls-cert.ts';
import { healthcheckConfigFile, probeHost, serverConfigFile } from './healthcheck.ts';

const script = new URL('./healthcheck.ts', import.meta.url).pathname;
const servers: Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

async function listen(server: Server): Promise<number> {
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

function check(
  env: Record<string, string>,
  args: readonly string[] = [],
): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [script, ...args], { env: { PATH: process.env.PATH, ...env } });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += String(d);
    });
    child.once('exit', (code) => resolve({ code, stderr }));
  });
}

// Each case starts a Node process: generous timeouts for a loaded machine (nothing here measures time).
describe('the health check', { timeout: 90_000 }, () => {
  it('is healthy when /health on the configured port answers 200', async () => {
    const port = await listen(
      createHttp((req, res) => res.writeHead(req.url === '/health' ? 200 : 404).end()),
    );
    expect(await check({ TRACKER_SERVER__PORT: String(port) })).toEqual({ code: 0, stderr: '' });
  });

  it('is unhealthy, with the reason, when the server answers otherwise or not at all', async () => {
    const port = await listen(createHttp((_req, res) => res.writeHead(503).end()));
    expect(await check({ TRACKER_SERVER__PORT: String(port) })).toEqual({
      code: 1,
      stderr: `unhealthy: GET http://127.0.0.1:${port}/health answered 503\n`,
    });
    const closed = await check({ TRACKER_SERVER__PORT: '1' });
    expect(closed.code).toBe(1);
    expect(closed.stderr).toMatch(/^unhealthy: GET http:\/\/127\.0\.0\.1:1\/health failed: .*ECONNREFUSED/);
  });

  it('speaks HTTPS when the configuration turns TLS on (a self-signed certificate is fine)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'healthcheck-'));
    const { certFile: cert, keyFile: key } = writeSelfSignedCert(dir, 'public.example');
    const server = createHttps({ cert: readFileSync(cert), key: readFileSync(key) }, (_req, res) =>
      res.writeHead(200).end(),
    );
    const port = await listen(server as unknown as Server);
    const config = join(dir, 'config.json');
    writeFileSync(config, JSON.stringify({ server: { port, tls: { certFile: cert, keyFile: key } } }));
    expect(await check({ TRACKER_CONFIG: config })).toEqual({ code: 0, stderr: '' });
  });

  // `node ingest/healthcheck.ts --config ingest.yaml` ignored its option and probed port 8080.
  it('reads the file its own --config names; an unknown option is unhealthy, named', async () => {
    const port = await listen(
      createHttp((req, res) => res.writeHead(req.url === '/health' ? 200 : 404).end()),
    );
    const config = join(mkdtempSync(join(tmpdir(), 'healthcheck-')), 'ingest.yaml');
    writeFileSync(config, `server:\n  port: ${port}\n`);
    expect(await check({}, ['--config', config])).toEqual({ code: 0, stderr: '' });
    const wrong = await check({}, ['--confg', config]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/^unhealthy: Unknown option '--confg'/);
  });

  // A configuration it cannot read or that is invalid read "invalid configuration (…):; - cannot read: …".
  it('names a configuration problem in one line, as the server does', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'healthcheck-'));
    const missing = join(dir, 'missing.yaml');
    const absent = await check({}, ['--config', missing]);
    expect(absent.code).toBe(1);
    expect(absent.stderr).toMatch(
      new RegExp(
        `^unhealthy: invalid configuration \\(${missing}\\): cannot read: no such file \\(ENOENT\\)\\n$`,
      ),
    );
    const invalid = join(dir, 'invalid.yaml');
    writeFileSync(invalid, 'server:\n  port: x\n  bogus: 1\n');
    expect((await check({}, ['--config', invalid])).stderr).toBe(
      `unhealthy: invalid configuration (${invalid}): server.bogus: unknown key; server.port: must be integer\n`,
    );
  });
});

describe('healthcheckConfigFile', () => {
  it("is its own --config first, else the server process's", () => {
    const cmdline = join(mkdtempSync(join(tmpdir(), 'cmdline-')), 'cmdline');
    writeFileSync(cmdline, ['node', '/app/ingest/server.js', '-c', '/server.yaml', ''].join('\0'));
    expect(healthcheckConfigFile(['-c', '/own.yaml'], cmdline)).toBe('/own.yaml');
    expect(healthcheckConfigFile([], cmdline)).toBe('/server.yaml');
    expect(healthcheckConfigFile(['--help'], cmdline)).toBe('help');
  });
});

describe('serverConfigFile: the --config of the container main process', () => {
  it.each([
    [
      ['/usr/local/bin/node', '/app/ingest/server.ts', '--config', '/etc/tracker/c.yaml'],
      '/etc/tracker/c.yaml',
    ],
    [['/usr/local/bin/node', '/app/ingest/server.ts', '-c', '/c.json'], '/c.json'],
    [['/usr/local/bin/node', '/app/ingest/server.ts'], undefined],
    // the image runs the ahead-of-time JavaScript
    [['/usr/local/bin/node', '--max-semi-space-size=4', '/app/ingest/server.js', '-c', '/c.json'], '/c.json'],
    [['/usr/local/bin/node', 'other.ts', '--config', '/x'], undefined],
  ])('%j → %s', (argv, file) => {
    const cmdline = join(mkdtempSync(join(tmpdir(), 'cmdline-')), 'cmdline');
    writeFileSync(cmdline, `${argv.join('\0')}\0`);
    expect(serverConfigFile(cmdline)).toBe(file);
  });

  it('is undefined where there is no such process', () => {
    expect(serverConfigFile('/nonexistent/cmdline')).toBeUndefined();
  });
});

describe('probeHost', () => {
  it.each([
    ['0.0.0.0', '127.0.0.1'],
    ['::', '::1'],
    ['10.1.2.3', '10.1.2.3'],
  ])('%s → %s', (host, probe) => {
    expect(probeHost(host)).toBe(probe);
  });
});
