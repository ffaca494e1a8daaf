// Production wiring: config → every dependency buildApp needs, and how to close them in order.
// Kept apart from server.ts (signals, listen) so integration tests can start the real thing in-process.

import { join } from 'node:path';
import type { NatsConnection } from '@nats-io/transport-node';
import { Registry } from 'prom-client';
import { openReader, type SqlReader, type SqlRunner } from '../store/index.ts';
import { createApiKeyStore, loadKeyFile } from './auth/api-keys.ts';
import { loadReadCredential, type ReadCredential } from './auth/credential.ts';
import { buildVersion } from './build-version.ts';
import { type Config, sqlEnabled } from './config.ts';
import { checkDataDirs, dataDirRefused } from './data-dirs.ts';
import { type BatchConsumer, createDataPath, type DataPath } from './datapath/index.ts';
import type { AppDeps } from './deps.ts';
import { createDestinations } from './destinations/index.ts';
import { openGeoIp } from './geoip/geoip.ts';
import { startConsumer } from './nats/consumer.ts';
import { createPublisher } from './nats/publisher.ts';
import { createRateLimiter } from './plugins/rate-limit/limiter.ts';
import { createHasher, type Hasher, loadHashKey } from './privacy/hash.ts';
import { configuredKeyMismatch, generatedBesideRows, generatedKeyBefore } from './privacy/hash-key-check.ts';
import { createMemorySaltStore } from './privacy/salts.ts';
import { createRepositories } from './repositories/index.ts';
import { dashboardNeedsCredential } from './routes/dashboard/index.ts';
import { type RuntimeLog, repeatsQuiet, throttled } from './runtime-log.ts';
import { type SchemaWatch, schemaGauge, schemaLine, watchSchema } from './schema-check.ts';
import { fromFile, openJournal } from './startup-files.ts';
import { lockStateDirs } from './state-locks.ts';
import { openTlsFiles } from './tls/check.ts';

type Log = RuntimeLog;

export interface Runtime {
  readonly deps: AppDeps;
  /** The embedded engine's read-only connection (the SQL endpoint and the dashboard read through it). */
  readonly reader?: SqlReader;
  /** Stop consumers, drain the data path within the deadline, close NATS and GeoIP. */
  close(deadlineMs: number): Promise<void>;
}

/** A hash key this start generated, beside a store that already holds events, is said (hash-key-check.ts). */
async function warnNewKeyBesideRows(dataPath: DataPath, config: Config, log: Log): Promise<void> {
  const db = config.store.database;
  const rows = await dataPath.store
    .query<{ n: number | string }>(`SELECT count() AS n FROM \`${db}\`.events`)
    .catch(() => [{ n: 0 }]); // no events table to ask (a store the ingest does not migrate): nothing to say
  const said = generatedBesideRows(config.server.stateDir, Number(rows[0]?.n ?? 0));
  if (said !== undefined) log(said);
}

/**
 * A clickhouse store's schema missing or behind, said once at start with its remedy. Not awaited: a
 * server that hangs must not hold the start; one that does not answer is the data path's to say.
 */
function checkSchema(
  config: Config,
  store: SqlRunner,
  log: Log,
  registry: Registry,
): { schema?: SchemaWatch } {
  const watch = watchSchema(config, store);
  schemaGauge(registry, watch);
  if (watch === undefined) return {};
  watch
    .read()
    .then((state) => {
      const line = schemaLine(state, config.store.database, watch.remedy);
      if (line !== undefined) log(line, undefined, 'warn');
    })
    .catch(() => {});
  return { schema: watch };
}

/** The data path's failures, each said once every 10 s while it repeats (a flush retried every second). */
function dataPathErrors(log: Log): (err: unknown) => void {
  const quiet = repeatsQuiet(log, 10_000);
  return (err) => quiet('data path', err);
}

/** The real data path for this configuration (migrations applied on the embedded store). */
export function openDataPath(
  config: Config,
  registry?: Registry,
  consumer?: BatchConsumer,
  log?: Log,
  notice?: (msg: string) => void,
): Promise<DataPath> {
  const input = {
    store: config.store,
    spool: config.spool,
    batching: config.batching,
    retention: config.retention,
    rollups: config.rollups,
  };
  return createDataPath(input, {
    ...(registry === undefined ? {} : { registry }),
    ...(consumer === undefined ? {} : { consumer }),
    // a failed insert (retried) or a failed batch cut: without this only metrics would tell why
    ...(log === undefined ? {} : { onError: dataPathErrors(log) }),
    ...(notice === undefined ? {} : { onNotice: notice }),
  });
}

/**
 * The embedded engine's read-only connection, when something reads through it: the SQL endpoint, or the
 * dashboard (whose reads then never wait behind the data path's inserts on the writing connection).
 */
async function openEngineReader(config: Config): Promise<SqlReader | undefined> {
  const { store } = config;
  if (store.kind !== 'embedded' || !(sqlEnabled(config) || config.dashboard.enabled)) return undefined;
  return openReader({ path: store.path, database: store.database, limits: config.sql });
}

/** The read credential, when the SQL endpoint runs or the dashboard asks for it. */
function readCredential(config: Config): ReadCredential | undefined {
  const needed = sqlEnabled(config) || (config.dashboard.enabled && dashboardNeedsCredential(config));
  const { username, passwordFile } = config.sql;
  return needed ? loadReadCredential(username, passwordFile, config.server.stateDir) : undefined;
}

async function connectNats(config: Config): Promise<NatsConnection | undefined> {
  const { nats, rateLimits } = config;
  const needed =
    nats.publish || nats.consume || rateLimits.shared === 'nats' || config.privacy.salts === 'nats';
  if (!needed || nats.url === undefined) return undefined;
  // The NATS client and its KV modules are imported only when NATS is configured: an ingest without it
  // never loads them (~10 MiB of a process).
  const { connect } = await import('@nats-io/transport-node');
  try {
    return await connect({ servers: nats.url, name: 'tracker-ingest' });
  } catch (err) {
    // the client's own message ("connection refused") does not say which server
    throw new Error(`nats.url ${nats.url}: ${(err as Error).message}`, { cause: err });
  }
}

/** The rate limits shared through NATS KV, when configured. */
async function sharedLimits(config: Config, nc: NatsConnection | undefined, hasher: Hasher, log: Log) {
  const { rateLimits } = config;
  if (nc === undefined || rateLimits.shared !== 'nats') return {};
  const [{ createKvDailyCounter }, { createKvBurstBucket }] = await Promise.all([
    import('./nats/kv-counter.ts'),
    import('./nats/kv-burst.ts'),
  ]);
  return {
    daily: await createKvDailyCounter(nc, rateLimits.kvBucket, hasher, config.nats.replicas),
    burst: await createKvBurstBucket(nc, `${rateLimits.kvBucket}_burst`, hasher, config.nats.replicas),
    onSharedError: throttled(log, 'shared rate limit unavailable; counted by this replica', 10_000),
    timeoutMs: kvWaitMs(config),
  };
}

/**
 * Longest a request waits for the NATS KV calls it makes before the spool's publish (the shared rate
 * limits; a day's shared salt, once a day): a fifth of spool.nats.publishTimeoutMs, at most 1 s (a healthy
 * KV answers in a millisecond or two). A NATS frozen rather than down answers nothing, and each call waited the client's 5 s, one after
 * the other, before the publish waited its own timeout: 503 came after 15 s, not after the publish timeout.
 * Without a NATS spool, the publish timeout's default (5 s) sets it.
 */
const kvWaitMs = (config: Config): number =>
  Math.min(1000, Math.floor((config.spool.nats?.publishTimeoutMs ?? 5000) / 5));

/** The daily salts: shared through NATS KV when configured, else this process's own. */
async function saltStore(config: Config, nc: NatsConnection | undefined): Promise<AppDeps['salts']> {
  if (nc === undefined || config.privacy.salts !== 'nats') return createMemorySaltStore();
  const { createKvSaltStore } = await import('./nats/kv-salts.ts');
  return createKvSaltStore(nc, config.privacy.saltBucket, config.nats.replicas, kvWaitMs(config));
}

export interface RuntimeOptions {
  readonly dataPath?: DataPath;
  readonly log?: Log;
  /** What start and stop did to the data (schema, retention, spool, a GeoIP file reloaded): info lines. */
  readonly notice?: (msg: string) => void;
}

/**
 * Every dependency, opened. A write into any directory the ingest writes (data-dirs.ts: a generated key or
 * password, the erasure journal, a lock, the spool, the engine's files, a destination's backlog) that its
 * file system refused, read-only or full, is said as such, naming the directory's key: not as "invalid
 * configuration" (the setting is fine, the directory is not), nor as the generic start-up line.
 */
export async function createRuntime(config: Config, opts: RuntimeOptions = {}): Promise<Runtime> {
  try {
    return await openRuntime(config, opts);
  } catch (err) {
    throw dataDirRefused(config, err) ?? err;
  }
}

async function openRuntime(config: Config, opts: RuntimeOptions): Promise<Runtime> {
  const log = opts.log ?? (() => {});
  const registry = new Registry();
  // an injected data path is the caller's: its store and spool directories are not this runtime's to check
  checkDataDirs(
    config,
    opts.dataPath === undefined ? [] : ['store.path', 'spool.dir', 'spool.deadLetterFile'],
  );
  // before anything is written there: a second ingest on these directories stops here, naming the first
  const dirLocks = lockStateDirs(config);
  // configured files first: a mistake in one is reported before the store is opened
  const { hashKeyFile } = config.privacy;
  const { stateDir } = config.server;
  const keyExisted = hashKeyFile !== undefined || generatedKeyBefore(stateDir);
  const hasher = await fromFile(config, 'privacy.hashKeyFile', () => {
    const key = loadHashKey(hashKeyFile, stateDir);
    const mismatch = configuredKeyMismatch(hashKeyFile, stateDir, key);
    if (mismatch !== undefined) log(mismatch);
    return createHasher(key);
  });
  const fileKeys = await fromFile(config, 'apiKeys.file', () => loadKeyFile(config.apiKeys.file));
  const tls = config.server.tls;
  const https = tls === undefined ? undefined : await fromFile(config, 'server.tls', () => openTlsFiles(tls));
  const geo = await fromFile(config, 'geoip.file', () =>
    openGeoIp(config.geoip.file, config.geoip.cacheSize, {
      copyDir: join(stateDir, 'geoip'),
      onError: (err) =>
        log(
          'geoip.file: the changed file is not used (yet); lookups keep the one in use, and it is tried again when it changes (replace it with a rename, never a copy over it)',
          err,
          'warn',
        ),
      onReload: (file) => opts.notice?.(`geoip: ${file} changed; lookups use the new file`),
    }),
  );
  const erasureJournal = await openJournal(config);
  // Destinations are fed by the data path this runtime opens (an injected one feeds none).
  const destinations =
    opts.dataPath === undefined
      ? await createDestinations(
          { destinations: config.destinations, spool: config.spool, consentBits: config.privacy.consentBits },
          { registry, log, hasher },
        )
      : undefined;
  const dataPath = opts.dataPath ?? (await openDataPath(config, registry, destinations, log, opts.notice));
  if (!keyExisted && opts.dataPath === undefined) await warnNewKeyBesideRows(dataPath, config, log);
  // an injected data path's store is the caller's (a test double): its schema is not this runtime's to ask
  const schema = opts.dataPath === undefined ? checkSchema(config, dataPath.store, log, registry) : {};
  const nc = await connectNats(config);
  const { rateLimits } = config;
  const shared = await sharedLimits(config, nc, hasher, log);
  const keys = [
    ...config.apiKeys.keys.map((k) => ({ keyId: k.id, oid: k.oid, org: k.org, hash: k.hash })),
    ...fileKeys,
  ];
  const reader = await openEngineReader(config);
  const credential = readCredential(config);
  const repositories = createRepositories(dataPath.store, config.store, reader ?? dataPath.store);
  const publisher =
    nc !== undefined && config.nats.publish
      ? createPublisher(nc, config.nats.publishSubjectPrefix)
      : undefined;
  const deps: AppDeps = {
    config,
    dataPath,
    hasher,
    geo,
    salts: await saltStore(config, nc),
    limiter: createRateLimiter({ perDay: rateLimits.perIpPerDay, burst: rateLimits.burst }, shared),
    apiKeys: createApiKeyStore(keys, repositories.apiKeys),
    erasureJournal,
    repositories,
    ...(publisher === undefined ? {} : { publisher }),
    ...(https === undefined ? {} : { https }),
    ...(credential === undefined ? {} : { readCredential: credential }),
    ...(destinations === undefined ? {} : { destinations }),
    ...schema,
    build: { version: buildVersion() },
    registry,
  };
  const consumer =
    nc !== undefined && config.nats.consume
      ? startConsumer(nc, {
          subjects: config.nats.subjects,
          queueGroup: config.nats.queueGroup,
          ipMode: config.privacy.ipMode,
          hasher,
          append: (t, rows) => dataPath.append(t, rows),
          onError: (err) => log('nats message skipped', err),
        })
      : undefined;
  return {
    deps,
    ...(reader === undefined ? {} : { reader }),
    async close(deadlineMs) {
      const started = Date.now();
      // First (the app has closed: its erase worker stopped): the requests this instance held are let go
      // at once, for another instance sharing the journal to resume while this one drains.
      await erasureJournal.close().catch((err: unknown) => log('erasure journal close', err));
      await consumer?.stop();
      await reader?.close();
      await dataPath.close(deadlineMs);
      // What the spool delivered was fed to the backlogs; forward what the rest of the grace allows.
      await destinations?.close(Math.max(0, deadlineMs - (Date.now() - started)));
      await nc?.drain().catch(() => {});
      await deps.limiter.close();
      await deps.geo.close();
      for (const lock of dirLocks) lock.release();
    },
  };
}
