// The one error type of configuration and spec validation, and the one way a schema error becomes a line:
// `key.path: problem` ("server.port: must be integer", "cors.bogus: unknown key",
// "spec.clickhouse.shards: must be >= 1", "privacy.consentBits.Ads: key must match pattern …"). Unions
// are condensed, so a wrong discriminant reports "must be one of …" and a wrong type reports the branch of
// the value's type instead of every branch's complaints.

import { PATTERN_MEANINGS } from './patterns.ts';

/**
 * Everything wrong with one input, all at once: `invalid <subject>:` and one line per problem. `code`, when
 * given, is the one its problems share (a configured file missing: a start-up line's code more specific
 * than STARTUP_INVALID).
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly subject: string;
  readonly problems: readonly string[];
  readonly code: string | undefined;
  constructor(subject: string, problems: readonly string[], code?: string) {
    super(`invalid ${subject}:\n  - ${problems.join('\n  - ')}`);
    this.subject = subject;
    this.problems = problems;
    this.code = code;
  }
}

export interface SchemaError {
  keyword: string;
  schemaPath: string;
  instancePath: string;
  params: Record<string, unknown>;
  message: string;
}

/** `/server/port` under root `spec` → `spec.server.port`; the empty path is the root (or `(root)`). */
function keyPath(instancePath: string, root: string): string {
  const keys = instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
  return [root, ...keys].filter((k) => k !== '').join('.') || '(root)';
}

const join = (base: string, key: string) => (base === '(root)' ? key : `${base}.${key}`);

function anyOfPrefix(schemaPath: string): { prefix: string; branch: number } | undefined {
  const m = /^(.*?\/anyOf)\/(\d+)/.exec(schemaPath);
  return m ? { prefix: m[1] ?? '', branch: Number(m[2]) } : undefined;
}

function oneOfMessage(errs: SchemaError[], root: string): string[] {
  const byPath = new Map<string, unknown[]>();
  for (const e of errs) {
    if (e.keyword !== 'const') continue;
    const list = byPath.get(e.instancePath) ?? [];
    list.push(e.params.allowedValue);
    byPath.set(e.instancePath, list);
  }
  return [...byPath].map(
    ([p, vals]) => `${keyPath(p, root)}: must be one of ${vals.map((v) => String(v)).join(', ')}`,
  );
}

/** A branch whose only complaint is the value's type at the union itself (a string given to an integer). */
const wrongType = (list: SchemaError[], at: string) =>
  list.every((e) => e.keyword === 'type' && e.instancePath === at);

function condenseUnion(errs: SchemaError[], root: string): SchemaError[] | string[] {
  const branches = new Map<number, SchemaError[]>();
  for (const e of errs) {
    const b = anyOfPrefix(e.schemaPath)?.branch ?? -1;
    branches.set(b, [...(branches.get(b) ?? []), e]);
  }
  const matching = [...branches.values()].filter((list) => !list.some((e) => e.keyword === 'const'));
  if (matching.length === 0) return oneOfMessage(errs, root);
  const at = errs.map((e) => e.instancePath).reduce((a, b) => (b.length < a.length ? b : a));
  const typed = matching.filter((list) => !wrongType(list, at));
  const candidates = typed.length > 0 ? typed : matching;
  return candidates.reduce((a, b) => (b.length < a.length ? b : a));
}

/** A key refused by its map's key pattern: reported once, at the key (the map's own error is dropped). */
const isKeyPattern = (e: SchemaError) => e.keyword === 'pattern' && e.schemaPath.endsWith('/propertyNames');

const keysOf = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);

function describe(e: SchemaError, root: string): string[] {
  const path = keyPath(e.instancePath, root);
  if (isKeyPattern(e)) return [`${path}: key must match pattern "${String(e.params.pattern)}"`];
  const meaning = e.keyword === 'pattern' ? PATTERN_MEANINGS.get(String(e.params.pattern)) : undefined;
  if (meaning !== undefined) return [`${path}: must be ${meaning}`];
  // TypeBox names every key of the object at once; Ajv (Fastify's route schemas) one key per error.
  if (e.keyword === 'additionalProperties') {
    const extra = keysOf(e.params.additionalProperties ?? e.params.additionalProperty);
    return extra.map((k) => `${join(path, String(k))}: unknown key`);
  }
  if (e.keyword === 'required') {
    const req = keysOf(e.params.requiredProperties ?? e.params.missingProperty);
    return req.map((k) => `${join(path, String(k))}: is required`);
  }
  return [`${path}: ${e.message}`];
}

/** One message per problem, stable order, duplicates removed; key paths start at `root` when given. */
export function formatSchemaErrors(errors: readonly SchemaError[], root = ''): string[] {
  const relevant = errors.filter(
    (e) =>
      e.keyword !== 'anyOf' &&
      e.keyword !== 'propertyNames' &&
      !(e.keyword === 'boolean' && e.schemaPath.endsWith('/additionalProperties')),
  );
  const plain: SchemaError[] = [];
  const unions = new Map<string, SchemaError[]>();
  for (const e of relevant) {
    const u = anyOfPrefix(e.schemaPath);
    if (u === undefined) plain.push(e);
    else unions.set(u.prefix, [...(unions.get(u.prefix) ?? []), e]);
  }
  const out: string[] = plain.flatMap((e) => describe(e, root));
  for (const errs of unions.values()) {
    for (const c of condenseUnion(errs, root)) out.push(...(typeof c === 'string' ? [c] : describe(c, root)));
  }
  return [...new Set(out)];
}
