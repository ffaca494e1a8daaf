// Environment overrides of the ingest configuration: TRACKER_<SECTION>__<KEY>… variables matched against
// the shared schema (common/config/ingest.ts), and the naming of the variable in a problem it caused.
import { IngestConfig } from '../common/config/ingest.ts';

export const ENV_PREFIX = 'TRACKER_';
export type Obj = Record<string, unknown>;
export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

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

/**
 * A problem with a key a variable set names the variable: `server.port: must be integer` said nothing of
 * the TRACKER_SERVER__PORT=abc that made it, and named the configuration file, which did not hold it.
 */
export function withVariable(problem: string, fromEnv: ReadonlyMap<string, string>): string {
  const key = problem.slice(0, problem.indexOf(': '));
  for (let path = key; path !== ''; path = path.slice(0, Math.max(path.lastIndexOf('.'), 0))) {
    const name = fromEnv.get(path);
    if (name !== undefined) return `${problem} (set by ${name})`;
  }
  return problem;
}
