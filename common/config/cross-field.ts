// Rules across fields, reported together with the schema's problems: a user who fixed a wrong type and
// restarted only to meet the next problem (a cross-field rule the schema error had hidden) sees both at
// once. A rule may only rely on what passed the schema (a value of the wrong shape could make it throw or
// say nonsense), so where the schema found problems each rule runs on a view of the value that records
// every key it reads, and its answer is kept only if none of those keys is one the schema refused.

/** A rule across fields: one `key.path: problem` line per violation, on the defaulted value. */
export type Check<T> = (value: T) => string[];

/** The key path a problem line names (`server.port: must be integer` → `server.port`). */
const pathOf = (problem: string): string => problem.slice(0, Math.max(0, problem.indexOf(': ')));

const join = (path: string, key: string) => (path === '' ? key : `${path}.${key}`);

/** One path is the other or lies inside it: a read of either touches the other. */
const overlaps = (a: string, b: string) => a === b || a.startsWith(`${b}.`) || b.startsWith(`${a}.`);

/**
 * `target` seen through a proxy that adds to `reads` the path of every value read out of it (a nested
 * object is itself wrapped; its path counts as read when its keys are listed, as Object.keys does).
 */
function recording(target: object, path: string, reads: string[]): object {
  return new Proxy(target, {
    get(t, key, receiver) {
      const value: unknown = Reflect.get(t, key, receiver);
      if (typeof key === 'symbol' || typeof value === 'function') return value;
      const at = join(path, key);
      if (typeof value === 'object' && value !== null) return recording(value, at, reads);
      reads.push(at);
      return value;
    },
    has(t, key) {
      if (typeof key === 'string') reads.push(join(path, key));
      return Reflect.has(t, key);
    },
    ownKeys(t) {
      reads.push(path);
      return Reflect.ownKeys(t);
    },
  });
}

/** What `check` finds in `value`, or nothing when it read a key the schema refused. */
function guarded<T extends object>(check: Check<T>, value: T, invalid: readonly string[], root: string) {
  const reads: string[] = [];
  const touchesInvalid = () => reads.some((r) => invalid.some((p) => overlaps(r, p)));
  try {
    const found = check(recording(value, root, reads) as T);
    return touchesInvalid() ? [] : found;
  } catch (err) {
    // a rule reading a value of the wrong shape may throw; the schema's problem already says what is wrong
    if (touchesInvalid()) return [];
    throw err;
  }
}

/**
 * The problems `checks` find in `value`, given the schema's problems with it: every rule when the schema
 * held, else the rules that read only keys the schema accepted. `root` prefixes the key paths of the
 * problem lines (`spec` for a TrackerCluster spec).
 */
export function crossFieldProblems<T>(
  value: T,
  schemaProblems: readonly string[],
  checks: readonly Check<T>[],
  root = '',
): string[] {
  if (schemaProblems.length === 0) return checks.flatMap((check) => check(value));
  const invalid = schemaProblems.map(pathOf);
  // the input as a whole is wrong (not an object): there is nothing a rule could read
  if (typeof value !== 'object' || value === null || invalid.includes('(root)')) return [];
  return checks.flatMap((check) => guarded(check as Check<T & object>, value, invalid, root));
}
