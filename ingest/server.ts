// The ingest process: `node ingest/server.ts [--config file]`. Loads and validates configuration (every
// problem printed, exit 2), wires the runtime, listens (HTTPS when server.tls is set, with hot reload),
// and on SIGTERM/SIGINT stops accepting, drains the data path within server.shutdownGraceMs, then exits.
import { parseArgs } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { ConfigError } from '../common/config/problems.ts';
import { buildApp } from './app.ts';
import { loadConfig } from './config.ts';
import { createRuntime } from './runtime.ts';
import { watchTls } from './tls/reload.ts';

function configFile(): string | undefined {
  const { values } = parseArgs({ options: { config: { type: 'string', short: 'c' } }, strict: true });
  return values.config;
}

function enableTlsReload(app: FastifyInstance, files: { certFile: string; keyFile: string }) {
  const server = app.server as unknown as { setSecureContext(o: object): void };
  return watchTls(
    files,
    (m) => {
      server.setSecureContext({ cert: m.cert, key: m.key });
      app.log.info('TLS certificate reloaded');
    },
    (err) => app.log.warn({ err }, 'TLS reload skipped: the new files do not form a valid pair'),
  );
}

async function main(): Promise<void> {
  const config = loadConfig(configFile());
  const runtime = await createRuntime(config, { log: (msg, err) => console.error(msg, err) });
  const app = await buildApp(runtime.deps, { logger: { level: process.env.LOG_LEVEL ?? 'info' } });
  const tls = config.server.tls === undefined ? undefined : enableTlsReload(app, config.server.tls);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'draining');
    const deadline = Date.now() + config.server.shutdownGraceMs;
    tls?.stop();
    await app.close(); // stop accepting; in-flight requests finish (their appends are durable)
    await runtime.close(Math.max(0, deadline - Date.now()));
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  await app.listen({ host: config.server.host, port: config.server.port });
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(2);
  }
  console.error('ingest failed to start:', err);
  process.exit(1);
});
