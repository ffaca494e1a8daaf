// Converts the JSON Schema TypeBox emits into a Kubernetes *structural* OpenAPI v3 schema (the CRD's
// openAPIV3Schema). Kubernetes forbids several JSON-Schema constructs TypeBox produces, so each one is mapped
// explicitly; anything unknown throws with its path, so a new construct in the source schema cannot slip into
// the CRD unnoticed. See docs/adr/0003-crd-source-of-truth.md.
//
//  TypeBox                              → structural
//  $id, $schema, examples               → dropped
//  anyOf of string/number literals      → { type, enum }
//  const                                → enum: [value]
//  anyOf [integer, string] + int-or-string marker → x-kubernetes-int-or-string alone (no anyOf: the marker
//                                          already restricts the value to an integer or a string, and the
//                                          anyOf only added three more refusals of a wrong type, "must
//                                          validate at least one schema (anyOf)" among them); the string's
//                                          pattern is dropped and must be checked by a CEL rule of the schema
//                                          (the apiserver's pattern error prints the regular expression, which
//                                          tells a user nothing: "should match '^(\+|-)?…'")
//  patternProperties (Record)           → additionalProperties, and the key pattern (if any) as a CEL rule
//                                          (Kubernetes has neither patternProperties nor propertyNames); the
//                                          config loader enforces the same pattern (common/config/key-patterns.ts)
//  additionalProperties: false          → dropped: the apiserver prunes, and strict field validation (kubectl's
//                                          default) rejects unknown fields
//  required                             → minus properties with a default (the apiserver defaults first)
//  uniqueItems                          → x-kubernetes-list-type: set

import { keyPattern } from '../common/config/key-patterns.ts';

export type JsonSchema = { [key: string]: unknown };

/** Keywords copied unchanged (values already valid in Kubernetes' JSONSchemaProps). */
const passThrough = new Set([
  'type',
  'description',
  'default',
  'minimum',
  'maximum',
  'minLength',
  'maxLength',
  'pattern',
  'enum',
  'minItems',
  'maxItems',
  'minProperties',
  'maxProperties',
  'format',
  'nullable',
  'title',
]);
const dropped = new Set(['$id', '$schema', 'examples', 'additionalProperties', 'uniqueItems']);
/** Handled by a dedicated function below. */
const structural = new Set(['properties', 'required', 'items', 'patternProperties', 'anyOf', 'const']);

export class SchemaConversionError extends Error {
  override readonly name = 'SchemaConversionError';
}

export function toStructural(schema: JsonSchema, path = '$'): JsonSchema {
  if (schema['x-kubernetes-preserve-unknown-fields'] === true) return preserveUnknown(schema);
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (passThrough.has(key) || key.startsWith('x-kubernetes-')) out[key] = value;
    else if (!dropped.has(key) && !structural.has(key)) {
      throw new SchemaConversionError(`${path}: keyword "${key}" has no structural equivalent`);
    }
  }
  if (schema.uniqueItems === true) out['x-kubernetes-list-type'] = 'set';
  if ('const' in schema) Object.assign(out, constToEnum(schema.const, path));
  if (Array.isArray(schema.anyOf)) Object.assign(out, convertAnyOf(schema, path));
  if (isObject(schema.properties)) Object.assign(out, convertProperties(schema, path));
  if (isObject(schema.patternProperties)) {
    out.additionalProperties = convertRecord(schema.patternProperties, path);
    Object.assign(out, keyRule(schema, out));
  }
  if (isObject(schema.items)) out.items = toStructural(schema.items, `${path}[]`);
  else if (out.type === 'array') throw new SchemaConversionError(`${path}: arrays need one items schema`);
  if (out.type === undefined && out['x-kubernetes-int-or-string'] !== true) {
    throw new SchemaConversionError(`${path}: a structural schema needs a type here`);
  }
  return out;
}

function preserveUnknown(schema: JsonSchema): JsonSchema {
  const out: JsonSchema = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
  if (typeof schema.description === 'string') out.description = schema.description;
  return out;
}

function constToEnum(value: unknown, path: string): JsonSchema {
  const type = scalarType(value);
  if (!type) throw new SchemaConversionError(`${path}: const must be a string, number or boolean`);
  return { type, enum: [value] };
}

function convertAnyOf(schema: JsonSchema, path: string): JsonSchema {
  const variants = flattenAnyOf(schema.anyOf as JsonSchema[]);
  if (schema['x-kubernetes-int-or-string'] === true) return intOrString(schema, variants, path);
  const values = variants.map((v) => v.const);
  const types = new Set(values.map(scalarType));
  const [type] = types;
  if (values.every((v) => v !== undefined) && types.size === 1 && type) return { type, enum: values };
  throw new SchemaConversionError(
    `${path}: anyOf is only supported for literals of one type (use an enum) or int-or-string`,
  );
}

/** `Union([Union([...])])` nests anyOf; the alternatives are the leaves. */
function flattenAnyOf(variants: JsonSchema[]): JsonSchema[] {
  return variants.flatMap((v) => (Array.isArray(v.anyOf) ? flattenAnyOf(v.anyOf as JsonSchema[]) : [v]));
}

/**
 * An integer-or-string union becomes the bare marker. Kubernetes also accepts the marker next to
 * anyOf [{type: integer}, {type: string}], but then refuses a wrong type (`cpu: 0.5`) four times over;
 * the marker alone says it once ("must be of type integer,string").
 */
function intOrString(schema: JsonSchema, variants: JsonSchema[], path: string): JsonSchema {
  const types = variants.map((v) => v.type).sort();
  if (types.join() !== 'integer,string') {
    throw new SchemaConversionError(
      `${path}: x-kubernetes-int-or-string needs exactly an integer and a string`,
    );
  }
  const str = variants.find((v) => v.type === 'string') ?? {};
  const out: JsonSchema = {};
  if (typeof str.pattern === 'string' && !Array.isArray(schema['x-kubernetes-validations'])) {
    throw new SchemaConversionError(
      `${path}: an int-or-string pattern needs a CEL rule (x-kubernetes-validations) saying what is allowed`,
    );
  }
  if (typeof str.maxLength === 'number') out.maxLength = str.maxLength;
  return out;
}

function convertProperties(schema: JsonSchema, path: string): JsonSchema {
  const props = schema.properties as Record<string, JsonSchema>;
  const properties: Record<string, JsonSchema> = {};
  for (const [name, prop] of Object.entries(props)) properties[name] = toStructural(prop, `${path}.${name}`);
  const required = ((schema.required as string[] | undefined) ?? []).filter(
    (n) => props[n]?.default === undefined,
  );
  return required.length > 0 ? { properties, required } : { properties };
}

function convertRecord(patterns: JsonSchema, path: string): JsonSchema {
  const values = Object.values(patterns) as JsonSchema[];
  if (values.length !== 1 || !values[0]) {
    throw new SchemaConversionError(`${path}: only one patternProperties entry (a Record) is supported`);
  }
  return toStructural(values[0], `${path}.*`);
}

/** The CEL rule holding a map's keys to its key pattern, after the node's own rules; none without one. */
function keyRule(schema: JsonSchema, out: JsonSchema): JsonSchema {
  const pattern = keyPattern(schema);
  if (pattern === undefined) return {};
  const own = (out['x-kubernetes-validations'] as unknown[] | undefined) ?? [];
  const p = celString(pattern);
  const rule = {
    rule: `self.all(k, k.matches(${p}))`,
    // Names the first key refused, as the loader names each; `message` stands if the expression fails.
    messageExpression: `'key "' + self.filter(k, !k.matches(${p}))[0] + ${celString(`" must match pattern "${pattern}"`)}`,
    message: keyMessage(pattern),
  };
  return { 'x-kubernetes-validations': [...own, rule] };
}

/** What the apiserver says of a map key outside the pattern when it cannot name the key. */
export const keyMessage = (pattern: string): string => `every key must match pattern "${pattern}"`;

const celString = (s: string) => `'${s.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;

function scalarType(value: unknown): 'string' | 'integer' | 'number' | 'boolean' | undefined {
  if (typeof value === 'string') return 'string';
  if (typeof value === 'boolean') return 'boolean';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return undefined;
}

function isObject(value: unknown): value is JsonSchema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
