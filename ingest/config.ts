// Load the ingest configuration: file (JSON or YAML) + environment overrides, through the one loader
// (common/config/loader.ts) against the shared schema (common/config/ingest.ts). Every problem is reported at
// once with its key path; unknown keys are errors. The result is deep-frozen: nothing may change
// configuration after start.
import { accessSync, constants } from 'node:fs';
import { resolve, sep } from 'node:path';
import type { Check } from '../common/config/cross-field.ts';
import { destinationUrlProblems } from '../common/config/fetch-url.ts';
import { hostAndOriginProblems } from '../common/config/hosts-origins.ts';
import { IngestConfig } from '../common/config/ingest.ts';
import {
  analyticsBitProblems,
  botPatternProblems,
  corsProblems,
  proxyProblems,
  siteKeyProblems,
} from '../common/config/ingest-rules.ts';
import { parseConfig as parseWithSchema, readConfigFile } from '../common/config/loader.ts';
import { natsProblems } from '../common/config/nats.ts';
import { ConfigError } from '../common/config/problems.ts';
import { batchingProblems, type Rendering, retentionProblems } from '../schema/index.ts';
import { fileRefusal, isCodedFileKey } from './config-files.ts';

/** The validated configuration with every section present (defaults applied). Optional leaves stay optional. */
export type Config = {
  readonly [K in keyof IngestConfig]-?: Readonly<NonNullable<IngestConfig[K]>>;
};

export const ENV_PREFIX = 'TRACKER_';
type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function schemaKeys(schema: unknown): string[] {
  if (!isObj(schema)) return [];
  const props = isObj(schema.properties) ? Object.keys(schema.properties) : [];
  const branches = Array.isArray(schema.anyOf) ? schema.anyOf.flatMap(schemaKeys) : [];
  return [...new Set([...props, ...branches])];
}

function childSchema(schema: unknown, key: string): unknown {
  if (!isObj(schema)) return undefined;
  if (isObj(schema.properties) && key in schema.properties) return schema.properties[key];
  if (Array.isArray(schema.anyOf))
    return schema.anyOf.map((s) => childSchema(s, key)).find((s) => s !== undefined);
  return recordEntry(schema, key)?.[1];
}

/**
 * A map's entry (`batching.tables.events`, `retention.tables.logs`): its keys are lower case by their
 * pattern, so the variable's part names one as it is, lower-cased.
 */
function recordEntry(schema: unknown, part: string): [string, unknown] | undefined {
  if (!isObj(schema) || !isObj(schema.patternProperties)) return undefined;
  const key = part.toLowerCase();
  const match = Object.entries(schema.patternProperties).find(([pattern]) => new RegExp(pattern).test(key));
  return match === undefined ? undefined : [key, match[1]];
}

/**
 * What an object the file does not set starts as when a variable sets a key inside it: the schema's default
 * for it. A map's defaults are whole entries (`privacy.consentBits`: necessary, analytics, marketing) that
 * nothing fills in later, so starting empty would make a variable naming one entry drop all the others.
 */
function startingObject(schema: unknown): Obj {
  return isObj(schema) && isObj(schema.default) ? structuredClone(schema.default) : {};
}

function parseEnvValue(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

/**
 * TRACKER_* names that are not configuration overrides: the config file path, the build version the
 * process reports in /status, the operator's own settings, and the development tooling's (the Makefile
 * exports TRACKER_CACHE to every recipe, `make run` included; a shell set up for `make test` may export
 * the others). Everything else under the prefix must name a configuration key.
 */
const RESERVED_ENV = new Set([
  'TRACKER_CONFIG',
  'TRACKER_VERSION',
  'TRACKER_CACHE',
  'TRACKER_KEEP_ENV',
  'TRACKER_CA_BUNDLE',
  'TRACKER_CHROMIUM',
]);
const RESERVED_ENV_PREFIXES = ['TRACKER_OPERATOR_', 'TRACKER_E2E_'];

export function isReservedEnv(name: string): boolean {
  return RESERVED_ENV.has(name) || RESERVED_ENV_PREFIXES.some((p) => name.startsWith(p));
}

/**
 * Environment overrides: TRACKER_<SECTION>__<KEY>[__<KEY>…]=value, matched case-insensitively against the
 * schema (TRACKER_SERVER__PORT=9090, TRACKER_RATELIMITS__PERIPPERDAY=1000), a map's entry by its
 * lower-cased name (TRACKER_BATCHING__TABLES__EVENTS__MAXDELAYMS=1000), set on top of the file's entries of
 * that map or, when the file does not set it, of its default ones. Values are JSON when they
 * parse as JSON (numbers, booleans, arrays), strings otherwise. An unknown path is a problem, not ignored.
 */
export function applyEnv(
  base: Obj,
  env: NodeJS.ProcessEnv,
  problems: string[],
  /** Filled with each key set from a variable (dotted path → the variable's name). */
  applied: Map<string, string> = new Map(),
): Obj {
  const out = structuredClone(base);
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith(ENV_PREFIX) || raw === undefined || isReservedEnv(name)) continue;
    applyVariable(out, name, raw, problems, applied);
  }
  return out;
}

/** One TRACKER_* variable set into `out`, or a problem naming it. */
function applyVariable(
  out: Obj,
  name: string,
  raw: string,
  problems: string[],
  applied: Map<string, string>,
): void {
  const parts = name.slice(ENV_PREFIX.length).split('__');
  let schema: unknown = IngestConfig;
  let target: Obj = out;
  const path: string[] = [];
  for (const [i, part] of parts.entries()) {
    const key =
      schemaKeys(schema).find((k) => k.toLowerCase() === part.toLowerCase()) ??
      recordEntry(schema, part)?.[0];
    if (key === undefined) {
      problems.push(`${name}: no configuration key ${[...path, part.toLowerCase()].join('.')}`);
      return;
    }
    path.push(key);
    schema = childSchema(schema, key);
    if (i === parts.length - 1) {
      const value = parseEnvValue(raw);
      if (isList(schema) && !Array.isArray(value)) problems.push(notAList(name, path, raw));
      else {
        target[key] = value;
        applied.set(path.join('.'), name);
      }
    } else {
      if (!isObj(target[key])) target[key] = startingObject(schema);
      target = target[key] as Obj;
    }
  }
}

const isList = (schema: unknown): boolean => isObj(schema) && schema.type === 'array';

/**
 * A list set from a variable is JSON: `TRACKER_CORS__ORIGINS=https://a.example` was reported as
 * "cors.origins: must be array", naming neither the variable nor how to write one. The example splits
 * the value at commas, the way most such lists are written.
 */
function notAList(name: string, path: readonly string[], raw: string): string {
  const example = JSON.stringify(raw.split(',').map((item) => item.trim()));
  return `${name}: ${path.join('.')} is a list: write it as JSON, ${name}='${example}'`;
}

/** The keys of configured files, each checked to be readable when the configuration is loaded. */
export type FileKey =
  | 'geoip.file'
  | 'server.tls.certFile'
  | 'server.tls.keyFile'
  | 'privacy.hashKeyFile'
  | 'apiKeys.file'
  | 'store.passwordFile'
  | 'sql.passwordFile'
  | `destinations.facebook.${number}.accessTokenFile`
  | `destinations.webhooks.${number}.signingSecretFile`;

export interface LoadOptions {
  /**
   * The configured files this process reads: only these must be readable (default: every one, as the ingest
   * reads them all). A tool on the same configuration names its own (`tracker prune`: the store password).
   */
  readonly files?: readonly FileKey[];
}

/** Settings that only make sense with one kind of store. */
function storeProblems(c: Config): string[] {
  const p: string[] = [];
  if (c.store.kind === 'clickhouse' && c.store.cluster !== undefined && c.store.hostUrls !== undefined) {
    p.push('store.hostUrls: only without store.cluster (ON CLUSTER already reaches every replica)');
  }
  if (c.sql.enabled === true && c.store.kind !== 'embedded') {
    p.push('sql.enabled: serves the embedded engine only; with a clickhouse store query the server itself');
  }
  return p;
}

function portProblems(c: Config): string[] {
  if (c.server.opsPort === 0 || c.server.opsPort !== c.server.port) return [];
  return ['server.opsPort: must differ from server.port (the operations listener is a port of its own)'];
}

/** Whether two listen addresses on one port collide: the same host, or either one every interface. */
const sameAddress = (a: string, b: string): boolean =>
  a === b || [a, b].some((h) => h === '0.0.0.0' || h === '::');

/**
 * The SQL endpoint on the public or the operations port: it was accepted, then the start failed with
 * "sql.port: … is in use by another process", the other process being this one.
 */
function sqlPortProblems(c: Config): string[] {
  const { port, opsPort, host } = c.server;
  if (!sqlEnabled(c) || c.sql.port === 0 || !sameAddress(host, c.sql.host)) return [];
  if (c.sql.port === port)
    return ['sql.port: must differ from server.port (the SQL endpoint is a port of its own)'];
  if (c.sql.port === opsPort)
    return ['sql.port: must differ from server.opsPort (the SQL endpoint is a port of its own)'];
  return [];
}

/**
 * The rules across fields, each on its own: reported with the schema's problems, a rule that reads a key
 * the schema refused is left out alone (common/config/cross-field.ts).
 */
function semanticChecks(opts: LoadOptions, fileCodes: Map<string, string>): Check<Config>[] {
  return [
    corsProblems,
    portProblems,
    sqlPortProblems,
    (c) => hostAndOriginProblems(c),
    proxyProblems,
    natsProblems,
    storeProblems,
    analyticsBitProblems,
    tableProblems,
    (c) => retentionProblems(c.retention, 'retention'),
    (c) => fileProblems(c, opts.files, fileCodes),
    botPatternProblems,
    siteKeyProblems,
    destinationProblems,
  ];
}

// Configuration that names something outside itself: table names in batching overrides and files on disk,
// plus the few value checks the schema cannot express. A mistake in either would otherwise start the process
// silently (an override for a misspelt table is never used; a missing GeoIP file leaves every lookup empty)
// or end it with a stack trace; each is one problem line naming the key, like any other.

const tableProblems = (c: Config): string[] => batchingProblems(c.batching.tables, 'batching');

/** Why `file`, which `key` names, cannot be read (with a code for a coded file: config-files.ts), if so. */
function unreadable(key: FileKey, file: string): { line: string; code?: string } | undefined {
  try {
    accessSync(file, constants.R_OK);
    return undefined;
  } catch (err) {
    const coded = isCodedFileKey(key) ? fileRefusal(key, file, err) : undefined;
    if (coded !== undefined) return coded;
    const problem = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : 'cannot be read';
    return { line: `${key}: ${problem}: ${file}` };
  }
}

/** Every configured file, by key. */
function files(c: Config): [FileKey, string | undefined][] {
  return [
    ['geoip.file', c.geoip.file],
    ['server.tls.certFile', c.server.tls?.certFile],
    ['server.tls.keyFile', c.server.tls?.keyFile],
    ['privacy.hashKeyFile', c.privacy.hashKeyFile],
    ['apiKeys.file', c.apiKeys.file],
    ['store.passwordFile', c.store.kind === 'clickhouse' ? c.store.passwordFile : undefined],
    ['sql.passwordFile', c.sql.passwordFile],
    ...c.destinations.facebook.map(
      (d, i) => [`destinations.facebook.${i}.accessTokenFile`, d.accessTokenFile] as [FileKey, string],
    ),
    ...c.destinations.webhooks.map(
      (d, i) => [`destinations.webhooks.${i}.signingSecretFile`, d.signingSecretFile] as [FileKey, string],
    ),
  ];
}

/** Each configured file that cannot be read, its code (when it has one) recorded in `codes` by its line. */
function fileProblems(c: Config, only: readonly FileKey[] | undefined, codes: Map<string, string>): string[] {
  const out: string[] = [];
  for (const [key, file] of files(c).filter(([k]) => only === undefined || only.includes(k))) {
    const problem = file === undefined ? undefined : unreadable(key, file);
    if (problem === undefined) continue;
    out.push(problem.line);
    if (problem.code !== undefined) codes.set(problem.line, problem.code);
  }
  return out;
}

/**
 * The configuration's error with the code its problems share, when every one is a coded file's with the
 * same code (a TLS certificate and its key both missing: TLS_FILE_MISSING); else as it is (STARTUP_INVALID).
 */
function withFileCode(err: unknown, codes: ReadonlyMap<string, string>): unknown {
  if (!(err instanceof ConfigError)) return err;
  const shared = new Set(err.problems.map((p) => codes.get(p)));
  const [code] = shared;
  return shared.size === 1 && code !== undefined ? new ConfigError(err.subject, err.problems, code) : err;
}

/** Destination names are unique, their consent bits exist, their backlogs live outside the spool. */
function destinationProblems(c: Config): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const all = [
    ...c.destinations.facebook.map((d, i) => ({ d, key: `destinations.facebook.${i}` })),
    ...c.destinations.webhooks.map((d, i) => ({ d, key: `destinations.webhooks.${i}` })),
  ];
  for (const { d, key } of all) {
    if (seen.has(d.name)) out.push(`${key}.name: "${d.name}" is used by another destination`);
    seen.add(d.name);
    for (const [j, bit] of d.consent.entries())
      if (!(bit in c.privacy.consentBits))
        out.push(`${key}.consent.${j}: "${bit}" is not a key of privacy.consentBits`);
  }
  // URLs fetch() can never request: every delivery to one would fail alike, retried for ever
  out.push(...destinationUrlProblems(c.destinations, 'destinations.'));
  const spool = resolve(c.spool.dir);
  const dir = resolve(c.destinations.dir);
  if (all.length > 0 && (dir === spool || dir.startsWith(`${spool}${sep}`)))
    out.push('destinations.dir: must not be inside spool.dir (its folders would be read as tables)');
  return out;
}

/**
 * The schema rendering of the configured store, which mutations (erasure, tracker prune) target: the
 * cluster one only for a clickhouse store with store.cluster, else the single-node one (on each server of
 * store.hostUrls).
 */
export function storeRendering(store: Config['store']): Rendering {
  const cluster = store.kind === 'clickhouse' ? store.cluster : undefined;
  return cluster === undefined ? { database: store.database } : { database: store.database, cluster };
}

/** Whether the read-only SQL endpoint runs: on by default with the embedded store, which nothing else can read. */
export const sqlEnabled = (c: Config): boolean => c.store.kind === 'embedded' && c.sql.enabled !== false;

/** Validate a raw object (already merged with env). Throws ConfigError listing every problem. */
export function parseConfig(
  raw: unknown,
  source = 'inline',
  preProblems: readonly string[] = [],
  opts: LoadOptions = {},
): Config {
  const fileCodes = new Map<string, string>();
  try {
    return parseWithSchema<Config>(IngestConfig, raw, {
      subject: `configuration (${source})`,
      emptySections: true,
      problems: preProblems,
      checks: semanticChecks(opts, fileCodes),
    });
  } catch (err) {
    throw withFileCode(err, fileCodes);
  }
}

/** Load from an optional file and the environment. No file and no env → every default (embedded store). */
export function loadConfig(
  file?: string,
  env: NodeJS.ProcessEnv = process.env,
  opts: LoadOptions = {},
): Config {
  const path = file ?? env.TRACKER_CONFIG;
  const source = path !== undefined && path !== '' ? path : undefined;
  const raw = source === undefined ? {} : readConfigFile(source, `configuration (${source})`);
  if (!isObj(raw)) throw new ConfigError(`configuration (${source ?? 'env'})`, ['(root): must be an object']);
  const problems: string[] = [];
  const fromEnv = new Map<string, string>();
  const merged = applyEnv(raw, env, problems, fromEnv);
  const label = source === undefined ? 'defaults + env' : fromEnv.size > 0 ? `${source} + env` : source;
  try {
    return parseConfig(merged, label, problems, opts);
  } catch (err) {
    if (!(err instanceof ConfigError) || fromEnv.size === 0) throw err;
    throw new ConfigError(
      `configuration (${label})`,
      err.problems.map((p) => withVariable(p, fromEnv)),
      err.code,
    );
  }
}

/**
 * A problem with a key a variable set names the variable: `server.port: must be integer` said nothing of
 * the TRACKER_SERVER__PORT=abc that made it, and named the configuration file, which did not hold it.
 */
function withVariable(problem: string, fromEnv: ReadonlyMap<string, string>): string {
  const key = problem.slice(0, problem.indexOf(': '));
  for (let path = key; path !== ''; path = path.slice(0, Math.max(path.lastIndexOf('.'), 0))) {
    const name = fromEnv.get(path);
    if (name !== undefined) return `${problem} (set by ${name})`;
  }
  return problem;
}
