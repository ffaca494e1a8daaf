// The ingest process: `node ingest/server.ts [--config file]`. Loads and validates configuration (every
// problem printed, exit 2), wires the runtime, listens (HTTPS when server.tls is set, with hot reload),
// starts the operations listener (/metrics, /status) on server.opsPort and the read-only SQL endpoint on
// its own port (embedded store), prints where the dashboard, the metrics and the SQL endpoint are, and on
// SIGTERM/SIGINT stops accepting, drains the data path within server.shutdownGraceMs, then exits.
import { createServer } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { ConfigError } from '../common/config/problems.ts';
import { opsHostOf } from '../common/config/server.ts';
import { logProcessWarnings, pinoLine, type Threshold } from '../common/json-log.ts';
import { type ProcessUsage, processArgs } from '../common/process-args.ts';
import { exitOnStartupError, StartupError } from '../common/startup-error.ts';
import { type Apps, buildApps } from './app.ts';
import { type Config, loadConfig, sqlEnabled } from './config.ts';
import { dashboardNeedsCredential } from './routes/dashboard/index.ts';
import { createRuntime, type Runtime } from './runtime.ts';
import { jsonLog, logLevel } from './runtime-log.ts';
import { buildSqlApp } from './sql/app.ts';
import { watchTls } from './tls/reload.ts';

/** Its start-up failure, runtime reports and process warnings are lines in its Fastify logger's shape. */
const proc = { name: 'ingest', line: pinoLine };

const usage: ProcessUsage = {
  command: 'node ingest/server.ts',
  options: {
    config: {
      short: 'c',
      value: 'FILE',
      description: 'configuration, JSON or YAML (default: $TRACKER_CONFIG, else every default)',
    },
  },
  notes: [
    'TRACKER_<SECTION>__<KEY>=value overrides one key (TRACKER_SERVER__PORT=9090); docs/configuration.md lists every key.',
  ],
};

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

/** The embedded engine is an optional package: an image built without it must say what to configure. */
function requireEmbeddedEngine(config: Config): void {
  if (config.store.kind !== 'embedded') return;
  try {
    import.meta.resolve('chdb');
  } catch {
    throw new StartupError(
      'store.kind is "embedded" (the default) but the embedded engine (the chdb package) is not installed ' +
        'here: configure store.kind "clickhouse" with store.url, or use an image built with EMBEDDED=true',
    );
  }
}

/**
 * The SQL endpoint checks wrong read credentials against the public port's allowance (`apps.readFailures`,
 * rateLimits.authFailuresPerMinute per client, refusals counted in
 * tracker_rate_limited_total{reason="auth_failures"}): with one of its own, a client had twice the guesses.
 * Its connections are bounded by server.maxConnections like every listener's, counted on their own.
 */
async function startSql(config: Config, runtime: Runtime, apps: Apps): Promise<FastifyInstance | undefined> {
  const credential = runtime.deps.readCredential;
  if (!sqlEnabled(config) || runtime.reader === undefined || credential === undefined) return undefined;
  const sql = await buildSqlApp({
    reader: runtime.reader,
    credential,
    authFailures: apps.readFailures,
    logger: { level: logLevel() },
  });
  apps.capListener(sql, 'sql');
  await sql.listen({ host: config.sql.host, port: config.sql.port });
  return sql;
}

const hostOf = (host: string) =>
  host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;

const portOf = (app: FastifyInstance) => (app.server.address() as { port: number }).port;

/** Where to look, once listening: the dashboard, the metrics, the SQL endpoint, and where the password is. */
function announce(
  config: Config,
  { app, ops }: Apps,
  sql: FastifyInstance | undefined,
  runtime: Runtime,
): void {
  const credential = runtime.deps.readCredential;
  const login = credential && ` (user ${credential.username}, password in ${credential.passwordFile})`;
  if (config.dashboard.enabled) {
    const scheme = config.server.tls === undefined ? 'http' : 'https';
    const url = `${scheme}://${hostOf(config.server.host)}:${portOf(app)}/dashboard`;
    app.log.info(`dashboard: ${url}${dashboardNeedsCredential(config) ? login : ''}`);
  }
  const opsUrl = `http://${hostOf(opsHostOf(config.server))}:${portOf(ops)}`;
  app.log.info(`metrics: ${opsUrl}/metrics (status: ${opsUrl}/status)`);
  if (sql !== undefined) {
    app.log.info(`read-only SQL (ClickHouse HTTP): http://${hostOf(config.sql.host)}:${portOf(sql)}${login}`);
  }
}

/**
 * Everything the process creates (the store's files, the spool, the destinations' backlogs, dead letters,
 * keys) is readable by its own user only. They hold the visitors' data: under the usual umask 022 the
 * spool's segments and the embedded store's parts were readable by every user of the machine.
 */
const PRIVATE_UMASK = 0o077;

async function main(): Promise<void> {
  process.umask(PRIVATE_UMASK);
  // every line honours LOG_LEVEL, Node's warnings too once it is known (a bad value fails the start)
  let level: Threshold = 'info';
  logProcessWarnings(pinoLine, undefined, () => level);
  const config = loadConfig(processArgs(proc, usage).config);
  level = logLevel();
  requireEmbeddedEngine(config);
  // Before the engine is opened: a process that exits while the engine starts up can hang or crash in
  // its teardown, so a port another process holds is found while nothing is open yet.
  const at = addresses(config);
  for (const a of Object.values(at)) if (a !== undefined) await listenOn(a, () => canListen(a));
  // the runtime's reports under the Fastify logger's level: LOG_LEVEL=error leaves warn and info out
  const log = jsonLog(pinoLine, undefined, level);
  const runtime = await createRuntime(config, {
    log,
    notice: (msg: string) => log(msg, undefined, 'info'),
  });
  const apps = await buildApps(runtime.deps, { logger: { level } });
  const { app, ops } = apps;
  const tls = config.server.tls === undefined ? undefined : enableTlsReload(app, config.server.tls);
  let sql: FastifyInstance | undefined;
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'draining');
    const deadline = Date.now() + config.server.shutdownGraceMs;
    tls?.stop();
    await sql?.close();
    await app.close(); // stop accepting; in-flight requests finish (their appends are durable)
    await runtime.close(Math.max(0, deadline - Date.now()));
    await ops.close(); // last: the drain is visible in the metrics while it lasts
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  try {
    await listenOn(at.server, () => app.listen({ host: at.server.host, port: at.server.port }));
    await listenOn(at.ops, () => ops.listen({ host: at.ops.host, port: at.ops.port }));
    if (at.sql !== undefined) sql = await listenOn(at.sql, () => startSql(config, runtime, apps));
  } catch (err) {
    // the address was taken after the probe: close what was opened before the process exits
    await sql?.close();
    await ops.close();
    await app.close();
    await runtime.close(0);
    throw err;
  }
  announce(config, apps, sql, runtime);
}

/** An address this process listens on, and the configuration keys that name it. */
interface Address {
  readonly host: string;
  readonly port: number;
  readonly hostKey: string;
  readonly portKey: string;
}

function addresses(config: Config): { server: Address; ops: Address; sql: Address | undefined } {
  const { host, port, opsPort } = config.server;
  const sql = { host: config.sql.host, port: config.sql.port, hostKey: 'sql.host', portKey: 'sql.port' };
  return {
    server: { host, port, hostKey: 'server.host', portKey: 'server.port' },
    // Unauthenticated: never on the public address just because the public port is (server.opsHost).
    ops: {
      host: opsHostOf(config.server),
      port: opsPort,
      hostKey: 'server.opsHost',
      portKey: 'server.opsPort',
    },
    sql: sqlEnabled(config) ? sql : undefined,
  };
}

/** Binds the address and lets it go again (port 0 always binds). */
function canListen(at: { host: string; port: number }): Promise<void> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen({ host: at.host, port: at.port, exclusive: true }, () => probe.close(() => resolve()));
  });
}

/** Listens; an address that cannot be bound is the user's to change, named by its keys. */
async function listenOn<T>(at: Address, listen: () => Promise<T>): Promise<T> {
  try {
    return await listen();
  } catch (err) {
    const code = (err as { code?: string }).code;
    const where = `${at.host}:${at.port}`;
    if (code === 'EADDRINUSE')
      throw new StartupError(
        `${at.portKey}: ${where} is in use by another process; choose another ${at.portKey}`,
        { code },
      );
    if (code === 'EACCES' || code === 'EADDRNOTAVAIL')
      throw new StartupError(`${at.hostKey}/${at.portKey}: cannot listen on ${where} (${code})`, { code });
    throw err;
  }
}

main().catch((err: unknown) => {
  // A configuration problem is the user's to fix like any other (exit 2), every problem on the one line
  // (with the code they share when each is a configured file's with the same one: config-files.ts).
  exitOnStartupError(
    proc,
    err instanceof ConfigError ? new StartupError(err.message, { code: err.code }) : err,
  );
});
