// The per-image manifests computed from this repository: what each image carries follows from what its
// entry points import.
import { readFileSync } from 'node:fs';
import { join, matchesGlob } from 'node:path';
import { describe, expect, it } from 'vitest';
import { imageManifest, images, unusedDependencies } from './manifests.ts';

const root = join(import.meta.dirname, '..');
const manifest = (name: string) => imageManifest(root, images[name] as (typeof images)[string]);
const deps = (name: string) => Object.keys(JSON.parse(manifest(name).packageJson).dependencies);
const files = (name: string) => manifest(name).files.trim().split('\n');

describe('image manifests', () => {
  it('the ingest carries no Kubernetes client or renderer', () => {
    for (const d of ['@kubernetes/client-node', 'cdk8s', 'constructs'])
      expect(deps('ingest')).not.toContain(d);
    expect(deps('ingest')).toContain('chdb'); // loaded lazily by the embedded store; EMBEDDED=false removes it
  });

  it('the operator carries no embedded engine, no HTTP server framework and no Kubernetes client library', () => {
    // The operator talks to the apiserver through kube/rest.ts; client-node is only a source of types.
    for (const d of ['chdb', 'fastify', 'lz4-napi', '@kubernetes/client-node'])
      expect(deps('operator')).not.toContain(d);
    expect(deps('operator')).toContain('cdk8s');
  });

  // The operator image carried cdk8s/schema-job.ts, the Job of `tracker render --with-schema-job`, which
  // the operator never renders (cdk8s/index.ts exported it). Neither image carries `tracker render`.
  it('carries no renderer code its processes never run', () => {
    expect(files('operator').filter((f) => f.startsWith('cdk8s/schema-job'))).toEqual([]);
    expect(files('operator')).toContain('cdk8s/index.ts');
    expect(files('ingest').filter((f) => f.startsWith('cdk8s/') || f === 'cli/render.ts')).toEqual([]);
  });

  it('copies sources and the files they read, never tests or test support', () => {
    for (const name of Object.keys(images)) {
      expect(
        files(name).filter((f) => /\.test\.ts$|\/testing\/|testing\.ts$/.test(f)),
        name,
      ).toEqual([]);
    }
    expect(files('ingest')).toEqual(
      expect.arrayContaining(['ingest/server.ts', 'schema/migrations/0001_events.sql']),
    );
  });

  it('every file an image copies is in the build context that .dockerignore leaves', () => {
    for (const name of Object.keys(images))
      expect(
        files(name).filter((f) => !inBuildContext(f)),
        name,
      ).toEqual([]);
  });

  it('every root dependency is used by an image or the CLI', () => {
    expect(unusedDependencies(root, ['bin/tracker.ts'])).toEqual([]);
  });
});

/** Docker's reading of .dockerignore: the last pattern that matches a path decides; `!` lets it in. */
function inBuildContext(file: string): boolean {
  const rules = readFileSync(join(root, '.dockerignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  let included = true;
  for (const rule of rules) {
    const include = rule.startsWith('!');
    const pattern = include ? rule.slice(1) : rule;
    const glob = pattern.endsWith('/') ? `${pattern}**` : pattern;
    if (matchesGlob(file, glob) || matchesGlob(file, `${glob}/**`)) included = include;
  }
  return included;
}
