// Configuration that names something outside itself: table names in batching overrides and files on
// disk (plus the few value checks the schema cannot express). A mistake in either used to start the process silently (an override for a misspelt table is
// never used; a missing GeoIP file left every lookup empty) or die with a stack trace. Each becomes one
// problem line naming the key, like any other configuration error.
import { accessSync, constants } from 'node:fs';
import { buildCatalog } from '../schema/catalog.ts';
import type { Config } from './config.ts';

/** Tables the data path writes (derived rollups are filled by materialized views, never batched by us). */
function writableTables(): Set<string> {
  return new Set([...buildCatalog().values()].filter((t) => !t.derived).map((t) => t.name));
}

function tableProblems(c: Config): string[] {
  const tables = writableTables();
  return Object.keys(c.batching.tables ?? {})
    .filter((name) => !tables.has(name))
    .map((name) => `batching.tables.${name}: no such table (one of ${[...tables].sort().join(', ')})`);
}

function readable(file: string): string | undefined {
  try {
    accessSync(file, constants.R_OK);
    return undefined;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : 'cannot be read';
  }
}

/** Every configured file, by key. */
function files(c: Config): [string, string | undefined][] {
  return [
    ['geoip.file', c.geoip.file],
    ['server.tls.certFile', c.server.tls?.certFile],
    ['server.tls.keyFile', c.server.tls?.keyFile],
    ['privacy.hashKeyFile', c.privacy.hashKeyFile],
    ['apiKeys.file', c.apiKeys.file],
    ['store.passwordFile', c.store.kind === 'clickhouse' ? c.store.passwordFile : undefined],
  ];
}

function fileProblems(c: Config): string[] {
  const out: string[] = [];
  for (const [key, file] of files(c)) {
    const problem = file === undefined ? undefined : readable(file);
    if (problem !== undefined) out.push(`${key}: ${problem}: ${file}`);
  }
  return out;
}

/** What the schema cannot say: patterns that compile, site keys that are unique. */
function valueProblems(c: Config): string[] {
  const out: string[] = [];
  for (const [i, pattern] of c.userAgent.extraBotPatterns.entries()) {
    try {
      new RegExp(pattern, 'i');
    } catch {
      out.push(`userAgent.extraBotPatterns.${i}: not a valid regular expression`);
    }
  }
  const seen = new Set<string>();
  for (const [i, site] of c.sites.keys.entries()) {
    if (seen.has(site.key)) out.push(`sites.keys.${i}.key: used by an earlier entry`);
    seen.add(site.key);
  }
  return out;
}

export function referenceProblems(c: Config): string[] {
  return [...tableProblems(c), ...fileProblems(c), ...valueProblems(c)];
}
