// Per-image manifests, generated from the root package.json and package-lock.json: each image installs only
// the packages its entry points import at runtime (the ingest no Kubernetes client or renderer, the operator
// no chdb), with the versions the root lock pins, and copies only the source files they load. Written to
// images/<image>/{package.json,package-lock.json,files.txt} by scripts/generate.ts and checked in CI.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { importGraph } from './graph.ts';
import { type Lock, type LockEntry, missingEntries, pruneLock } from './lockfile.ts';

export interface ImageDef {
  /** Package name of the image's manifest. */
  readonly name: string;
  /** Processes the image runs (the entry point, its health check). */
  readonly entries: readonly string[];
  /**
   * Packages and source files the entry points can reach only through a lazy `import()` that this image
   * never takes: left out of its manifest and file list (and so out of the image).
   */
  readonly omit?: readonly string[];
}

export const images: Readonly<Record<string, ImageDef>> = {
  // `tracker prune` runs in this image (the prune CronJob); `tracker render` and `crd` need the renderer and
  // the CRD, which it leaves out (the CLI says so when asked).
  ingest: {
    name: 'tracker-ingest',
    entries: ['ingest/server.ts', 'ingest/healthcheck.ts', 'bin/tracker.ts'],
    omit: ['cli/render.ts', 'crds/crd.ts'],
  },
  // The operator reaches ClickHouse over HTTP through store/; only the embedded store, which it never opens,
  // loads chdb (a 540 MB engine).
  operator: { name: 'tracker-operator', entries: ['operator/main.ts'], omit: ['chdb'] },
  // A test double: ClickHouse's HTTP interface over chdb and a Keeper that answers its probes, for kind
  // clusters on machines where no registry serves the real images (e2e/kind/README.md).
  'clickhouse-standin': {
    name: 'tracker-clickhouse-standin',
    entries: [
      'e2e/kind/standin/clickhouse-server.ts',
      'e2e/kind/standin/clickhouse-keeper.ts',
      'e2e/kind/standin/clickhouse-client.ts',
    ],
  },
};

/**
 * Files a module reads beside itself at runtime (not imports, so the graph cannot see them): when the
 * module is in an image, these directories are copied with it.
 */
const assets: Readonly<Record<string, readonly string[]>> = {
  'schema/render.ts': ['schema/migrations'],
  'ingest/routes/dashboard/assets.ts': ['ingest/routes/dashboard/static'],
};

interface RootManifest {
  name: string;
  version: string;
  license?: string;
  engines?: Record<string, string>;
  dependencies: Record<string, string>;
}

function readJson<T>(root: string, path: string): T {
  return JSON.parse(readFileSync(join(root, path), 'utf8')) as T;
}

function assetFiles(root: string, files: readonly string[]): string[] {
  return files.flatMap((f) =>
    (assets[f] ?? []).flatMap((dir) => readdirSync(join(root, dir)).map((name) => `${dir}/${name}`)),
  );
}

export interface ImageManifest {
  readonly packageJson: string;
  readonly lock: string;
  readonly files: string;
}

/** The three generated files of one image. Throws when an imported package is not a root dependency. */
export function imageManifest(root: string, image: ImageDef): ImageManifest {
  const pkg = readJson<RootManifest>(root, 'package.json');
  const lock = readJson<Lock>(root, 'package-lock.json');
  const graph = importGraph(root, image.entries, image.omit);
  const packages = graph.packages;
  const missing = packages.filter((p) => pkg.dependencies[p] === undefined);
  if (missing.length > 0)
    throw new Error(`${image.name} imports ${missing.join(', ')}: not in package.json dependencies`);
  const dependencies = Object.fromEntries(packages.map((p) => [p, pkg.dependencies[p] as string]));
  const manifest = {
    name: image.name,
    version: pkg.version,
    description: 'Generated from the root package.json by scripts/generate.ts: do not edit.',
    private: true,
    type: 'module',
    ...(pkg.license === undefined ? {} : { license: pkg.license }),
    ...(pkg.engines === undefined ? {} : { engines: pkg.engines }),
    dependencies,
  };
  const rootEntry: LockEntry & { name: string } = {
    name: image.name,
    version: pkg.version,
    ...(pkg.license === undefined ? {} : { license: pkg.license }),
    ...(pkg.engines === undefined ? {} : { engines: pkg.engines }),
  };
  const files = [...graph.files, ...assetFiles(root, graph.files)].sort();
  return {
    packageJson: `${JSON.stringify(manifest, null, 2)}\n`,
    lock: `${JSON.stringify(pruneLock(lock, rootEntry, dependencies), null, 2)}\n`,
    files: `${files.join('\n')}\n`,
  };
}

/**
 * Dependencies of the root package.json that no image and no other runtime entry imports, nor requires as
 * a peer of what they import (cdk8s needs constructs beside it).
 */
export function unusedDependencies(root: string, otherEntries: readonly string[]): string[] {
  const pkg = readJson<RootManifest>(root, 'package.json');
  const lock = readJson<Lock>(root, 'package-lock.json');
  const imported = importGraph(root, [...Object.values(images).flatMap((i) => i.entries), ...otherEntries]);
  const used = new Set(imported.packages);
  for (const p of imported.packages) {
    const entry = lock.packages[`node_modules/${p}`];
    for (const peer of Object.keys(entry?.peerDependencies ?? {}))
      if (entry?.peerDependenciesMeta?.[peer]?.optional !== true) used.add(peer);
  }
  return Object.keys(pkg.dependencies).filter((d) => !used.has(d));
}

/** Problems of the root lock that make `npm ci` refuse it (see lockfile.ts). */
export function rootLockProblems(root: string): string[] {
  return missingEntries(readJson<Lock>(root, 'package-lock.json'));
}
