// What the images carry: exactly the source files their entry points load (images/<image>/files.txt, from
// the import graph), no tests or test support, only their own dependency set (the ingest no Kubernetes
// client or renderer, the operator no chdb), and no npm or shell at runtime.
import { readFileSync } from 'node:fs';
import { describe, expect, inject, it } from 'vitest';
import { runOnce } from './docker.ts';

/** Lists the image's files with its own node (the image has no shell or ls). */
async function filesOf(image: string, dirs: readonly string[]): Promise<string[]> {
  const script = `
    const { readdirSync, lstatSync } = require('node:fs');
    const out = [];
    const walk = (d) => { for (const e of readdirSync(d)) { const p = d + '/' + e;
      if (lstatSync(p).isDirectory() && !lstatSync(p).isSymbolicLink()) walk(p); else out.push(p); } };
    for (const d of ${JSON.stringify(dirs)}) { try { walk(d); } catch {} }
    process.stdout.write(out.join('\\n'));`;
  const r = await runOnce(
    image,
    ['--network', 'none', '--entrypoint', '/usr/local/bin/node'],
    ['-e', script],
  );
  expect(r.code, r.stderr).toBe(0);
  return r.stdout.split('\n').filter(Boolean);
}

const expectedSources = (image: string) =>
  readFileSync(new URL(`../../images/${image}/files.txt`, import.meta.url), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((f) => `/app/${f}`);

const packagesIn = (files: readonly string[]) =>
  new Set(
    files
      .filter((f) => f.startsWith('/app/node_modules/'))
      .map((f) => f.slice('/app/node_modules/'.length).split('/'))
      .map((p) => (p[0]?.startsWith('@') ? `${p[0]}/${p[1]}` : (p[0] as string))),
  );

describe.each([
  ['ingest', () => inject('images').ingest, ['@kubernetes/client-node', 'cdk8s', 'constructs', 'chdb']],
  ['operator', () => inject('images').operator, ['chdb', '@chdb/lib-linux-x64-gnu', 'fastify']],
])('the %s image', (name, image, absent) => {
  it('holds exactly the sources its entry points load, and no test or test support', async () => {
    const files = await filesOf(image(), ['/app']);
    const sources = files.filter((f) => !f.startsWith('/app/node_modules/'));
    expect(sources.sort()).toEqual([...expectedSources(name), '/app/data', '/app/package.json'].sort());
    expect(sources.filter((f) => /\.test\.ts$|\/testing\/|testing\.ts$|-child\.ts$/.test(f))).toEqual([]);
  });

  it('carries only its own dependency set, without type declarations', async () => {
    const files = await filesOf(image(), ['/app/node_modules']);
    const packages = packagesIn(files);
    for (const p of absent) expect(packages.has(p), p).toBe(false);
    expect(files.filter((f) => f.endsWith('.d.ts'))).toEqual([]);
  });

  it('has node and nothing to install or run shell commands with', async () => {
    const files = await filesOf(image(), ['/bin', '/usr/bin', '/usr/local/bin', '/usr/local/lib', '/sbin']);
    expect(files).toEqual(['/usr/local/bin/node']);
  });
});
