// Maps whose keys have a pattern (TypeBox's Type.Record with a key pattern: `patternProperties`). In JSON
// Schema, patternProperties only constrains the values of the keys that match; a key matching no pattern
// is allowed, and TypeBox's records set no additionalProperties. So `privacy.consentBits: {Marketing: 3}`
// passed a schema that says bit names are lower case. The loader validates against a copy of each schema
// in which every such map also carries `propertyNames` with its key pattern: a key that does not match
// is then an error naming the map and the key (problems.ts words it). The CRD carries the same pattern as
// a CEL rule (crds/structural.ts).
import type { TSchema } from 'typebox';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The pattern TypeBox writes for a record whose keys are any string. */
const ANY_KEY = '^.*$';

/** Keywords whose value is a schema, or a map or list of schemas; defaults and examples are values. */
const ONE = ['items', 'additionalProperties', 'not', 'contains', 'if', 'then', 'else'];
const MAP = ['properties', 'patternProperties', '$defs', 'definitions'];
const LIST = ['anyOf', 'allOf', 'oneOf', 'prefixItems'];

/**
 * The key pattern of a map schema that does not constrain its keys otherwise, or undefined: none when
 * additionalProperties or propertyNames already decide which keys may appear, or when a pattern admits any.
 */
export function keyPattern(schema: Obj): string | undefined {
  if (!isObj(schema.patternProperties)) return undefined;
  if (schema.additionalProperties !== undefined || schema.propertyNames !== undefined) return undefined;
  const patterns = Object.keys(schema.patternProperties);
  if (patterns.length === 0 || patterns.includes(ANY_KEY)) return undefined;
  return patterns.length === 1 ? patterns[0] : patterns.map((p) => `(?:${p})`).join('|');
}

const strict = new WeakMap<object, TSchema>();

/** The schema with the key pattern of every map enforced (the same object when it has none). */
export function withKeyPatterns(schema: TSchema): TSchema {
  let out = strict.get(schema);
  if (out === undefined) {
    out = visit(schema) as TSchema;
    strict.set(schema, out);
  }
  return out;
}

function visit(node: unknown): unknown {
  if (!isObj(node)) return node;
  const changes = childChanges(node);
  const pattern = keyPattern(node);
  if (pattern !== undefined) changes.propertyNames = { pattern };
  return Object.keys(changes).length === 0 ? node : Object.assign(copy(node), changes);
}

/** The keywords of the schema whose subschemas change, with their new values. */
function childChanges(node: Obj): Obj {
  const changes: Obj = {};
  for (const key of ONE) {
    const visited = visit(node[key]);
    if (visited !== node[key]) changes[key] = visited;
  }
  for (const key of MAP) {
    const children = node[key];
    if (!isObj(children)) continue;
    const visited = Object.fromEntries(Object.entries(children).map(([k, v]) => [k, visit(v)]));
    if (Object.keys(children).some((k) => visited[k] !== children[k])) changes[key] = visited;
  }
  for (const key of LIST) {
    const children = node[key];
    if (!Array.isArray(children)) continue;
    const visited = children.map(visit);
    if (visited.some((v, i) => v !== children[i])) changes[key] = visited;
  }
  return changes;
}

/** A copy that keeps TypeBox's own non-enumerable markers (`~kind`, `~optional`). */
const copy = (node: Obj): Obj => Object.defineProperties({}, Object.getOwnPropertyDescriptors(node)) as Obj;
