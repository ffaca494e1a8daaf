// The ingest configuration's rules across fields, checked after the schema's: ports that collide, settings
// of another store kind, destinations, retention and batching overrides, and configured files that cannot be
// read (with the code of a coded file, config-files.ts, for the error to carry when all its problems share
// one).
import { accessSync, constants } from 'node:fs';
import { resolve, sep } from 'node:path';
import type { Check } from '../common/config/cross-field.ts';
import { destinationUrlProblems } from '../common/config/fetch-url.ts';
import { hostAndOriginProblems } from '../common/config/hosts-origins.ts';
import {
  analyticsBitProblems,
  botPatternProblems,
  corsProblems,
  proxyProblems,
  siteKeyProblems,
} from '../common/config/ingest-rules.ts';
import { natsProblems } from '../common/config/nats.ts';
import { ConfigError } from '../common/config/problems.ts';
import { batchingProblems, retentionProblems } from '../schema/index.ts';
import { fileRefusal, isCodedFileKey } from './config-files.ts';
import { type Config, sqlEnabled } from './config-view.ts';

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
export function semanticChecks(opts: LoadOptions, fileCodes: Map<string, string>): Check<Config>[] {
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
export function withFileCode(err: unknown, codes: ReadonlyMap<string, string>): unknown {
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
