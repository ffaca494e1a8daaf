// npm lock files (lockfileVersion 3) as data: resolve a dependency edge the way Node and npm do (nearest
// node_modules upwards), list edges the lock cannot satisfy, and cut a lock down to what a smaller set of
// root dependencies needs. Pure functions over the parsed JSON; no registry access.

export interface LockEntry {
  version?: string;
  resolved?: string;
  integrity?: string;
  license?: string;
  dev?: boolean;
  optional?: boolean;
  devOptional?: boolean;
  peer?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  [key: string]: unknown;
}

export interface Lock {
  name: string;
  version: string;
  lockfileVersion: number;
  requires?: boolean;
  packages: Record<string, LockEntry>;
}

type EdgeKind = 'prod' | 'optional' | 'peer' | 'dev';
interface Edge {
  readonly name: string;
  readonly range: string;
  readonly kind: EdgeKind;
}

/** The location npm would load `name` from when `from` (a lock key; '' is the root) requires it. */
export function resolveIn(lock: Lock, from: string, name: string): string | undefined {
  let dir = from;
  for (;;) {
    const candidate = `${dir === '' ? '' : `${dir}/`}node_modules/${name}`;
    if (lock.packages[candidate] !== undefined) return candidate;
    if (dir === '') return undefined;
    const cut = dir.lastIndexOf('/node_modules/');
    dir = cut === -1 ? '' : dir.slice(0, cut);
  }
}

function edgesOf(entry: LockEntry, withDev: boolean): Edge[] {
  const list = (deps: Record<string, string> | undefined, kind: EdgeKind) =>
    Object.entries(deps ?? {}).map(([name, range]) => ({ name, range, kind }));
  const peers = list(entry.peerDependencies, 'peer').filter(
    (e) => entry.peerDependenciesMeta?.[e.name]?.optional !== true,
  );
  const devDeps = withDev ? list(entry.devDependencies as Record<string, string> | undefined, 'dev') : [];
  return [
    ...list(entry.dependencies, 'prod'),
    ...list(entry.optionalDependencies, 'optional'),
    ...peers,
    ...devDeps,
  ];
}

/**
 * Edges whose target has no entry in the lock. `npm ci` refuses such a lock ("Missing: X from lock file"),
 * on every platform and registry, even for an optional package that this platform would skip.
 */
export function missingEntries(lock: Lock): string[] {
  const problems: string[] = [];
  for (const [key, entry] of Object.entries(lock.packages)) {
    if (entry.link === true) continue;
    for (const edge of edgesOf(entry, key === '')) {
      if (resolveIn(lock, key, edge.name) === undefined)
        problems.push(`${key || 'package.json'} needs ${edge.name}@${edge.range}: no entry in the lock`);
    }
  }
  return problems;
}

const FLAGS = ['dev', 'optional', 'devOptional', 'peer'] as const;

type Reach = { optional: boolean; peer: boolean };

/**
 * Every entry reachable from `deps`, with how strongly: `optional` when every path to it crosses an
 * optional edge, `peer` when every path ends in a peer edge. A missing optional entry is skipped (the
 * root lock check reports it).
 */
function reachable(lock: Lock, deps: Record<string, string>): Map<string, Reach> {
  const reach = new Map<string, Reach>();
  const queue: { from: string; edge: Edge; via: Reach }[] = Object.entries(deps).map(([name, range]) => ({
    from: '',
    edge: { name, range, kind: 'prod' },
    via: { optional: false, peer: false },
  }));
  while (queue.length > 0) {
    const { from, edge, via } = queue.shift() as (typeof queue)[number];
    const at = resolveIn(lock, from, edge.name);
    if (at === undefined) {
      if (edge.kind === 'optional') continue;
      throw new Error(`${from || 'package.json'} needs ${edge.name}@${edge.range}: no entry in the lock`);
    }
    const now = {
      optional: via.optional || edge.kind === 'optional',
      peer: via.peer || edge.kind === 'peer',
    };
    const seen = reach.get(at);
    // Visit again only when this path reaches it more strongly (required where it was optional, ...).
    if (seen !== undefined && (!seen.optional || now.optional) && (!seen.peer || now.peer)) continue;
    const next =
      seen === undefined ? now : { optional: seen.optional && now.optional, peer: seen.peer && now.peer };
    reach.set(at, next);
    for (const e of edgesOf(lock.packages[at] as LockEntry, false))
      queue.push({ from: at, edge: e, via: next });
  }
  return reach;
}

/**
 * The lock of a package whose only dependencies are `deps` (name → range), taken from `lock`: every entry
 * reachable from them, at the same location, with the same version and integrity; `optional` and `peer`
 * recomputed for the smaller tree, no `dev` flags (there are no dev dependencies).
 */
export function pruneLock(
  lock: Lock,
  root: LockEntry & { name: string },
  deps: Record<string, string>,
): Lock {
  const reach = reachable(lock, deps);
  const packages: Record<string, LockEntry> = { '': { ...root, dependencies: deps } };
  for (const key of [...reach.keys()].sort((a, b) => a.localeCompare(b, 'en'))) {
    const entry: LockEntry = { ...(lock.packages[key] as LockEntry) };
    for (const f of FLAGS) delete entry[f];
    const r = reach.get(key) as Reach;
    if (r.optional) entry.optional = true;
    if (r.peer) entry.peer = true;
    packages[key] = entry;
  }
  return { name: root.name, version: root.version ?? '0.0.0', lockfileVersion: 3, requires: true, packages };
}
