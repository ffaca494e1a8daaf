// The container image's health check (Dockerfile.ingest HEALTHCHECK): GET /health where the server listens,
// as its configuration says (port, address, HTTPS when server.tls is set). The configuration is the server's
// own: the same file (TRACKER_CONFIG, or the --config of the container's main process) and environment.
// Exit 0 when healthy, 1 otherwise, with one line saying why. Kubernetes uses its own probes instead.
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { helpText, type ProcessUsage, parseProcessArgs } from '../common/process-args.ts';
import { oneLine } from '../common/startup-error.ts';
import { loadConfig } from './config.ts';

const usage: ProcessUsage = {
  command: 'node ingest/healthcheck.ts',
  options: {
    config: {
      short: 'c',
      value: 'FILE',
      description:
        "the server's configuration (default: the --config of the server process, pid 1, else $TRACKER_CONFIG)",
    },
  },
};

/**
 * The configuration file to read: this command's own --config, else the server process's. Outside a
 * container pid 1 is not the server, and `healthcheck.ts --config ingest.yaml` probed the default port
 * 8080 instead of the file's; an option it does not know is an error, never ignored.
 */
export function healthcheckConfigFile(
  argv: readonly string[],
  cmdline?: string,
): string | undefined | 'help' {
  const args = parseProcessArgs(usage, argv);
  if (args.help) return 'help';
  return args.values.config ?? serverConfigFile(cmdline);
}

/** --config of the server process (pid 1 in a container), when it was started with one. */
export function serverConfigFile(cmdline = '/proc/1/cmdline'): string | undefined {
  let argv: string[];
  try {
    argv = readFileSync(cmdline, 'utf8').split('\0').filter(Boolean);
  } catch {
    return undefined;
  }
  // the image runs server.js (its ahead-of-time JavaScript); `make run` runs server.ts
  const at = argv.findIndex((a) => /server\.[jt]s$/.test(a));
  if (at === -1) return undefined;
  const { values } = parseArgs({
    args: argv.slice(at + 1),
    options: { config: { type: 'string', short: 'c' } },
    strict: false,
  });
  return typeof values.config === 'string' ? values.config : undefined;
}

/** The address to probe: a wildcard listen address is reached on loopback. */
export function probeHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '::1';
  return host;
}

function probe(url: URL, timeoutMs: number): Promise<number> {
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    // Liveness only: the certificate is for the public name, not for loopback, so it is not verified here.
    const req = request(url, { timeout: timeoutMs, rejectUnauthorized: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

async function main(): Promise<number> {
  const file = healthcheckConfigFile(process.argv.slice(2));
  if (file === 'help') {
    process.stdout.write(helpText(usage));
    return 0;
  }
  // Only where the server listens matters here: none of the files the configuration names is read.
  const config = loadConfig(file, process.env, { files: [] });
  const { host, port, tls } = config.server;
  const h = probeHost(host);
  const url = new URL(`${tls ? 'https' : 'http'}://${h.includes(':') ? `[${h}]` : h}:${port}/health`);
  try {
    const status = await probe(url, 4000);
    if (status === 200) return 0;
    console.error(`unhealthy: GET ${url} answered ${status}`);
  } catch (err) {
    console.error(`unhealthy: GET ${url} failed: ${(err as Error).message}`);
  }
  return 1;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(`unhealthy: ${oneLine((err as Error).message)}`);
      process.exit(1);
    },
  );
}
