// The prune CronJob runs `node bin/tracker.ts prune` in the ingest image, which holds only the sources its
// Dockerfile copies (no renderer, no CRD). No container engine runs here, so the image's file set is laid
// out from Dockerfile.ingest's COPY lines (minus what .dockerignore leaves out) and the command is run in it.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');

/** The `COPY <source> <dest>` lines of the final stage that copy from the build context. */
function contextCopies(dockerfile: string): [string, string][] {
  return dockerfile
    .split('\n')
    .map((line) => /^COPY (?!--from)(\S+) (\S+)$/.exec(line.trim()))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => [m[1] ?? '', m[2] ?? '']);
}

const ignored = (path: string) => /\.test\.ts$|(^|\/)testing(\/|$)|README\.md$/.test(path);

function imageTree(): string {
  const app = mkdtempSync(join(tmpdir(), 'ingest-image-'));
  for (const [source, dest] of contextCopies(readFileSync(join(root, 'Dockerfile.ingest'), 'utf8'))) {
    // `COPY file ./` copies into the directory; `COPY dir ./dir` copies the directory's content there.
    const target = dest.endsWith('/') ? join(app, dest, basename(source)) : join(app, dest);
    cpSync(join(root, source), target, { recursive: true, filter: (src) => !ignored(src) });
  }
  symlinkSync(join(root, 'node_modules'), join(app, 'node_modules'));
  return app;
}

describe('the ingest image', () => {
  it('holds what tracker prune needs, and leaves the renderer out', () => {
    const app = imageTree();
    expect(
      contextCopies(readFileSync(join(root, 'Dockerfile.ingest'), 'utf8')).map(([s]) => s),
    ).not.toContain('cdk8s');
    writeFileSync(
      join(app, 'config.json'),
      JSON.stringify({ store: { kind: 'embedded', path: join(app, 'chdb') } }),
    );
    const run = (...args: string[]) =>
      spawnSync(process.execPath, ['bin/tracker.ts', ...args], { cwd: app, encoding: 'utf8' });
    const prune = run('prune', '--config', 'config.json');
    expect(prune.stderr).toBe('');
    expect(prune.status).toBe(0);
    expect(prune.stdout).toMatch(/^Dry run: nothing was changed\./m);
    // The renderer is not in this image: `render` says so in one line.
    const render = run('render', '-f', 'config.json');
    expect(render.status).toBe(1);
    expect(render.stderr).toBe(
      'tracker: render: not in this installation (the ingest image carries only tracker prune); run it from the repository or the npm package\n',
    );
  });
});
