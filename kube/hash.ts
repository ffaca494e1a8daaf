// A short, stable hash of any JSON value: config hashes on rendered objects, the applied-hash the operator
// compares before writing, the status comparison. Keys are sorted, so property order never changes it.
import { createHash } from 'node:crypto';

export function hashOf(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex').slice(0, 16);
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
