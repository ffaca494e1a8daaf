// What the images carry: exactly the source files their entry points load (images/<image>/files.txt, from
// the import graph), no tests or test support, only their own dependency set (the ingest no Kubernetes
// client or renderer, the operator no chdb), what their image builds (the ingest's browser client), and no
// npm or shell at runtime.
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

/** The files of files.txt, and beside each .ts the .js the image runs (images/emit-js.ts). */
const expectedSources = (image: string) =>
  readFileSync(new URL(`../../images/${image}/files.txt`, import.meta.url), 'utf8')
    .split('\n')
    .filter(Boolean)
    .flatMap((f) => (f.endsWith('.ts') ? [f, f.replace(/\.ts$/, '.js')] : [f]))
    .map((f) => `/app/${f}`);

const packagesIn = (files: readonly string[]) =>
  new Set(
    files
      .filter((f) => f.startsWith('/app/node_modules/'))
      .map((f) => f.slice('/app/node_modules/'.length).split('/'))
      .map((p) => (p[0]?.startsWith('@') ? `${p[0]}/${p[1]}` : (p[0] as string))),
  );

describe.each([
  [
    'ingest',
    () => inject('images').ingest,
    ['@kubernetes/client-node', 'cdk8s', 'constructs', 'chdb'],
    ['/app/client/dist/tracker.js', '/app/client/dist/tracker.mjs'],
  ],
  [
    'operator',
    () => inject('images').operator,
    ['chdb', '@chdb/lib-linux-x64-gnu', 'fastify', '@kubernetes/client-node'],
    [],
  ],
])('the %s image', (name, image, absent, built) => {
  it('holds exactly the sources its entry points load, what it builds, and no test or test support', async () => {
    const files = await filesOf(image(), ['/app']);
    const sources = files.filter(
      (f) => !f.startsWith('/app/node_modules/') && !f.startsWith('/app/client/dist/'),
    );
    expect(sources.sort()).toEqual([...expectedSources(name), '/app/data', '/app/package.json'].sort());
    for (const f of built) expect(files, f).toContain(f);
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

describe('the tracker command in the ingest image', () => {
  const tracker = (image: string, flags: readonly string[], args: readonly string[]) =>
    runOnce(
      image,
      [
        '--network',
        'none',
        '--read-only',
        '--user',
        '1000:1000',
        ...flags,
        '--entrypoint',
        '/usr/local/bin/node',
      ],
      ['/app/bin/tracker.ts', ...args],
    );

  it('runs tracker prune (the prune CronJob runs it in this image)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tracker-prune-'));
    try {
      writeFileSync(
        join(dir, 'config.json'),
        // An existing directory (the tmpfs): prune refuses one where no ingest ran.
        JSON.stringify({ store: { kind: 'embedded', path: '/tmp' } }),
      );
      chmodSync(dir, 0o755);
      const prune = await tracker(
        inject('images').ingestEmbedded,
        ['--tmpfs', '/tmp', '-v', `${dir}:/config:ro`],
        ['prune', '--config', '/config/config.json'],
      );
      expect(prune.stderr).toBe('');
      expect(prune.code).toBe(0);
      expect(prune.stdout).toMatch(/^Dry run: nothing was changed\./m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('says in one line that render is not in this installation', async () => {
    const render = await tracker(inject('images').ingest, [], ['render', '-f', '-']);
    expect(render.code).toBe(1);
    expect(render.stderr).toBe(
      'tracker: render: not in this installation (the ingest image carries only tracker prune and tracker migrate); run it from the repository or the npm package\n',
    );
  });
});
