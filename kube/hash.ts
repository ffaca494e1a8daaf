// A short, stable hash of any JSON value: config hashes on rendered objects, the applied-hash the operator
// compares before writing. Keys are sorted, so property order never changes it. `sameJson` compares two
// values as the hash would, without hashing (the status comparison).
import { createHash } from 'node:crypto';

export function hashOf(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex').slice(0, 16);
}

/**
 * True when `a` and `b` have the same canonical JSON (what `hashOf` hashes: key order and undefined
 * values do not count), without building it: the status comparison runs on every reconcile, and hashing
 * both sides allocated tens of KiB each time to find, almost always, that nothing changed. Stops at the
 * first difference. For JSON values (what the apiserver returns and a status is built from).
 */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) return sameArray(a, b);
  if (isObject(a) && isObject(b)) return sameObject(a, b);
  // JSON writes null, NaN and ±Infinity alike; any other two primitives that differ stay different.
  return jsonNull(a) && jsonNull(b);
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object';
const jsonNull = (v: unknown): boolean => v === null || (typeof v === 'number' && !Number.isFinite(v));

function sameArray(a: unknown, b: unknown): boolean {
  if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!sameJson(a[i], b[i])) return false;
  return true;
}

function sameObject(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  let keys = 0;
  for (const key of Object.keys(a)) {
    const value = a[key];
    if (value === undefined) continue;
    keys++;
    if (!Object.hasOwn(b, key) || !sameJson(value, b[key])) return false;
  }
  for (const key of Object.keys(b)) if (b[key] !== undefined) keys--;
  return keys === 0;
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * `derive` computed once per frozen object, its result frozen and returned again after; for anything
 * not frozen, computed on every call. Frozen objects the operator hashes are its rendering's, frozen
 * deep and reused while a cluster's spec is unchanged, so what is derived from them cannot change; keyed
 * weakly, an entry goes with the rendering it was made from. Hashing (a canonical JSON of the whole
 * object) was most of what each reconcile allocated when it was done again on every apply.
 */
export function oncePerFrozen<T extends object>(derive: (obj: T) => T): (obj: T) => T {
  const derived = new WeakMap<T, T>();
  return (obj) => {
    if (!Object.isFrozen(obj)) return derive(obj);
    let out = derived.get(obj);
    if (out === undefined) {
      out = freezeNew(derive(obj));
      derived.set(obj, out);
    }
    return out;
  };
}

/** Freezes what `derive` made new; the parts it took from its frozen input are frozen already. */
function freezeNew<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) freezeNew(child);
    Object.freeze(value);
  }
  return value;
}
