// What ClickHouse refuses in a JSONEachRow line that JavaScript happily produces, and the rule applied to
// each before a row is acknowledged. Every rule here exists because the store rejected such a row AFTER
// the API had answered 2xx (the row then ended in the dead-letter file): whatever the API acknowledges
// must be insertable.
//
// - Lone UTF-16 surrogates (a browser cutting text in the middle of an emoji) are not valid Unicode; the
//   engine refuses the escape. They become U+FFFD, in values and in object keys.
// - In a JSON column a dotted key and the nested keys it spells are ONE path ("a.b" = {"a":{"b":…}}), and
//   the engine refuses a path written twice. The later spelling wins, as a repeated key does in JSON.
//   Values are written back as flat dotted paths, which the engine stores exactly like the nested form.
// - Integers the engine cannot type (beyond Int64/UInt64 once JavaScript printed them) are written in
//   exponent form, which the engine reads as Float64: JavaScript numbers are doubles anyway.
// - Nesting deeper than MAX_ROW_DEPTH is refused. The engine reads 1000 levels; request bodies and
//   WebSocket frames are bounded at MAX_JSON_DEPTH when parsed, and a row may nest a few levels deeper
//   than the body it came from (an event's top-level keys move into its params column), so the row bound
//   is a little higher: whatever passed the parser passes here, and a row from any other producer (the
//   NATS consumer) is still bounded.

/** Deepest nesting of a request body or WebSocket frame. */
export const MAX_JSON_DEPTH = 64;
/** Deepest nesting of a row (the row object is level 1). */
export const MAX_ROW_DEPTH = MAX_JSON_DEPTH + 8;

export class TooDeepError extends Error {
  constructor() {
    super(`nested deeper than ${MAX_ROW_DEPTH} levels`);
    this.name = 'TooDeepError';
  }
}

type Obj = Record<string, unknown>;
const isPlainObject = (v: unknown): v is Obj =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);

// JSON.rawJSON (Node 21+) lets JSON.stringify emit a number's text as given; not yet in TypeScript's lib.
const rawJSON = (JSON as unknown as { rawJSON(text: string): object }).rawJSON;

/** 2^53: beyond it a JavaScript integer is printed with digits the engine may not fit in 64 bits. */
const SAFE = Number.MAX_SAFE_INTEGER;

function number(n: number): unknown {
  if (!Number.isInteger(n) || Math.abs(n) <= SAFE) return n;
  return rawJSON(n.toExponential());
}

/** A number written with exactly these digits (JSON.stringify prints them as given). */
export const rawNumber = (digits: string): unknown => rawJSON(digits);

/**
 * A column value made insertable: strings well-formed, numbers typeable, objects (JSON columns) one flat
 * dotted key per leaf path. `level` is the value's nesting level (a column of the row: 2). A value that
 * needs no change is returned as it is (the same reference), so the caller can tell that nothing changed.
 */
export function insertableValue(v: unknown, level = 2): unknown {
  if (level > MAX_ROW_DEPTH) throw new TooDeepError();
  if (typeof v === 'string') return v.isWellFormed() ? v : v.toWellFormed();
  if (typeof v === 'number') return number(v);
  // JSON has no bigint: its decimal text, which the engine reads into any integer column
  if (typeof v === 'bigint') return v.toString();
  if (Array.isArray(v)) return v.map((x) => insertableValue(x, level + 1));
  if (isPlainObject(v)) return jsonColumn(v, level);
  return v;
}

/** A JSON column value: one flat dotted key per leaf path, the later spelling of a path winning. */
export function jsonColumn(obj: Obj, level = 2): Obj {
  return flatAlready(obj, level) ?? jsonPaths(obj, level);
}

/**
 * The common case, cheaply: no dotted or ill-formed key and no nested object means every key is already
 * its own leaf path. Then the object itself is the answer when no value changes, else a shallow copy with
 * the changed values. Otherwise undefined (the general path below).
 */
function flatAlready(obj: Obj, level: number): Obj | undefined {
  if (level + 1 > MAX_ROW_DEPTH) return undefined;
  const keys = Object.keys(obj);
  let copy: Obj | undefined;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    const value = obj[key];
    // __proto__ too: assigning it would set the copy's prototype instead of keeping the key
    if (isPlainObject(value) || key.includes('.') || key === '__proto__' || !key.isWellFormed())
      return undefined;
    const fixed = insertableValue(value, level + 1);
    if (fixed !== value && copy === undefined) copy = copyKeys(obj, keys, i);
    if (copy !== undefined) copy[key] = fixed;
  }
  return copy ?? obj;
}

/** A new object with the first `n` keys of `obj`. */
export function copyKeys(obj: Obj, keys: readonly string[], n: number): Obj {
  const out: Obj = {};
  for (let j = 0; j < n; j++) out[keys[j] as string] = obj[keys[j] as string];
  return out;
}

function jsonPaths(obj: Obj, level: number): Obj {
  const paths = new Map<string, unknown>();
  collect(obj, '', level, paths);
  return Object.fromEntries(paths);
}

function collect(obj: Obj, prefix: string, level: number, into: Map<string, unknown>): void {
  if (level > MAX_ROW_DEPTH) throw new TooDeepError();
  for (const [rawKey, value] of Object.entries(obj)) {
    const path = prefix + rawKey.toWellFormed();
    if (isPlainObject(value) && Object.keys(value).length > 0) {
      collect(value, `${path}.`, level + 1, into);
      continue;
    }
    // delete first: a re-set path moves to the end, so the written order is the winning order
    into.delete(path);
    into.set(path, isPlainObject(value) ? {} : insertableValue(value, level + 1));
  }
}
