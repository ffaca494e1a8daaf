// The one loader of configuration and specs: read a file (JSON or YAML), apply the schema's defaults, check
// the result against the schema (unknown keys, and map keys not matching their pattern, are errors) and
// report every problem at once as a ConfigError with `key.path: problem` lines. The ingest configuration,
// the operator's configuration and the TrackerCluster spec (crds/validate.ts) all go through it. Defaults
// live in the schemas only.
import { readFileSync } from 'node:fs';
import type { TSchema } from 'typebox';
import Value from 'typebox/value';
import YAML from 'yaml';
import { systemReason } from '../startup-error.ts';
import { type Check, crossFieldProblems } from './cross-field.ts';
import { withKeyPatterns } from './key-patterns.ts';
import { ConfigError, formatSchemaErrors, type SchemaError } from './problems.ts';

export interface ValidateOptions {
  /** Prefix of every key path in messages (`spec` for a TrackerCluster spec); none for a config file. */
  readonly root?: string;
  /**
   * The input's top-level sections are optional and carry no default of their own (the ingest
   * configuration: its sections are optional in the CRD too); a missing one is filled in as `{}` and then
   * defaulted, so an absent section means "all of its defaults".
   */
  readonly emptySections?: boolean;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The schema's defaults for an empty object (for an optional section a consumer needs in full). */
export const defaultsOf = <T>(schema: TSchema): T => Value.Default(schema, {}) as T;

/** The input (copied, never modified) with the schema's defaults, and every way it breaks the schema. */
export function validate<T>(
  schema: TSchema,
  input: unknown,
  opts: ValidateOptions = {},
): { value: T; problems: string[] } {
  const root = opts.root ?? '';
  if (!isObj(input)) return { value: input as T, problems: [`${root || '(root)'}: must be an object`] };
  const filled = withSections(schema, structuredClone(input), opts.emptySections ?? false);
  const value = Value.Default(schema, filled) as T;
  const errors = [...Value.Errors(withKeyPatterns(schema), value)] as unknown as SchemaError[];
  return { value, problems: formatSchemaErrors(errors, root) };
}

/**
 * The properties of an object schema, each started from `{}` (or the property's own default) when absent if
 * `emptySections`, and a union property defaulted by its `kind` branch: TypeBox applies a union's defaults
 * only once a branch already validates, so a typo elsewhere in the section would also report every defaulted
 * key of it as missing.
 */
function withSections(schema: TSchema, input: Obj, emptySections: boolean): Obj {
  const properties = isObj((schema as Obj).properties) ? ((schema as Obj).properties as Obj) : {};
  for (const [key, prop] of Object.entries(properties)) {
    if (emptySections && input[key] === undefined && isSection(prop))
      input[key] = structuredClone(prop.default ?? {});
    input[key] = defaultKindBranch(prop, input[key]);
  }
  return input;
}

/** An object, or a union of objects: a section of settings. */
const isSection = (schema: unknown): schema is Obj =>
  isObj(schema) &&
  (schema.type === 'object' ||
    (Array.isArray(schema.anyOf) && schema.anyOf.every((b) => isObj(b) && b.type === 'object')));

function defaultKindBranch(schema: unknown, value: unknown): unknown {
  if (!isObj(schema) || !Array.isArray(schema.anyOf) || !isObj(value)) return value;
  const kind = value.kind ?? defaultKind(schema);
  const branch = schema.anyOf.find(
    (b) => isObj(b) && isObj(b.properties) && isObj(b.properties.kind) && b.properties.kind.const === kind,
  );
  if (branch === undefined) return value;
  return Value.Default(branch as TSchema, value.kind === undefined ? { kind, ...value } : value);
}

/**
 * The `kind` of a union's own default (`store: {kind: embedded}`): a section written without its `kind`
 * (`store: {path: ...}`) is that kind, as the reference documents it, instead of matching no branch and
 * reporting the kind and every other defaulted key of the section as missing.
 */
const defaultKind = (schema: Obj): unknown => (isObj(schema.default) ? schema.default.kind : undefined);

export interface ParseOptions<T> extends ValidateOptions {
  /** What is parsed, as the error names it: `configuration (ingest.yaml)`. */
  readonly subject: string;
  /** Problems found before validation (e.g. environment overrides that name no key); reported with the rest. */
  readonly problems?: readonly string[];
  /**
   * Rules across fields, on the defaulted value; reported with the schema's problems, each rule as long as
   * what it reads passed the schema (cross-field.ts).
   */
  readonly checks?: readonly Check<T>[];
}

/** Validate, default and deep-freeze a configuration; throws one ConfigError listing every problem. */
export function parseConfig<T>(schema: TSchema, input: unknown, opts: ParseOptions<T>): Readonly<T> {
  const { value, problems } = validate<T>(schema, input, opts);
  const all = [
    ...(opts.problems ?? []),
    ...problems,
    ...crossFieldProblems(value, problems, opts.checks ?? [], opts.root),
  ];
  if (all.length > 0) throw new ConfigError(opts.subject, all);
  return deepFreeze(value);
}

/** The code of an error the system gave (ENOENT, EACCES, EISDIR), not one of the YAML parser's. */
function systemCode(err: unknown): string | undefined {
  const e = err as { code?: unknown; syscall?: unknown } | null;
  return typeof e?.code === 'string' && typeof e.syscall === 'string' ? e.code : undefined;
}

/**
 * A JSON (`.json`) or YAML file's content; an unreadable or unparsable file is a ConfigError. One the system
 * refuses carries its code (ENOENT, EACCES), the start-up line's code as for every other file the start
 * cannot read: it was STARTUP_INVALID, with Node's own message (`ENOENT: no such file or directory, open …`).
 */
export function readConfigFile(file: string, subject: string): unknown {
  try {
    const text = readFileSync(file, 'utf8');
    return (file.endsWith('.json') ? JSON.parse(text) : YAML.parse(text)) ?? {};
  } catch (err) {
    const code = systemCode(err);
    if (code !== undefined)
      throw new ConfigError(subject, [`cannot read: ${systemReason(code)} (${code})`], code);
    // The YAML parser's message goes on with an excerpt of the file under the line and column it names:
    // the first line says what and where, and keeps the problem on one line.
    const what = ((err as Error).message.split('\n')[0] ?? '').replace(/:$/, '');
    throw new ConfigError(subject, [`cannot read: ${what}`]);
  }
}

/** Nothing may change configuration after start. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
