// The dashboard's files, read once at start and served from memory. Scripts and styles are addressed by a
// hash of their content (`/dashboard/assets/<name>.<hash>.<ext>`), so they are cached for a year and never
// revalidated (immutable); the page names the current hashes and is revalidated every time (no-cache), so
// a new version is picked up on the next load and never mixed with an old one. The charting library is
// uPlot from node_modules: nothing is fetched from a CDN.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Asset {
  readonly path: string;
  readonly type: string;
  readonly body: Buffer;
}

export interface DashboardAssets {
  /** The page, with the hashed asset paths filled in. */
  readonly page: Buffer;
  readonly pageEtag: string;
  /** Hashed path → asset. */
  readonly byPath: ReadonlyMap<string, Asset>;
}

export const IMMUTABLE = 'public, max-age=31536000, immutable';
export const REVALIDATE = 'no-cache';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const uplotDist = dirname(require.resolve('uplot/dist/uPlot.iife.min.js'));

const FILES = [
  {
    name: 'uplot',
    ext: 'js',
    file: join(uplotDist, 'uPlot.iife.min.js'),
    type: 'text/javascript; charset=utf-8',
  },
  { name: 'uplot', ext: 'css', file: join(uplotDist, 'uPlot.min.css'), type: 'text/css; charset=utf-8' },
  {
    name: 'dashboard',
    ext: 'js',
    file: join(here, 'static', 'dashboard.js'),
    type: 'text/javascript; charset=utf-8',
  },
  {
    name: 'dashboard',
    ext: 'css',
    file: join(here, 'static', 'dashboard.css'),
    type: 'text/css; charset=utf-8',
  },
] as const;

const digest = (b: Buffer) => createHash('sha256').update(b).digest('hex').slice(0, 16);

export function loadDashboardAssets(): DashboardAssets {
  const byPath = new Map<string, Asset>();
  const slots: Record<string, string> = {};
  for (const f of FILES) {
    const body = readFileSync(f.file);
    const path = `/dashboard/assets/${f.name}.${digest(body)}.${f.ext}`;
    byPath.set(path, { path, type: f.type, body });
    slots[`${f.name}.${f.ext}`] = path;
  }
  const template = readFileSync(join(here, 'static', 'index.html'), 'utf8');
  const page = Buffer.from(
    template.replace(/\{\{asset ([\w.]+)\}\}/g, (_m, key: string) => {
      const path = slots[key];
      if (path === undefined) throw new Error(`dashboard page names an unknown asset ${key}`);
      return path;
    }),
  );
  return { page, pageEtag: `"${digest(page)}"`, byPath };
}

/** Sizes of what a first visit downloads (raw bytes), for the README and the size test. */
export function assetSizes(assets: DashboardAssets): Record<string, number> {
  const out: Record<string, number> = { page: assets.page.length };
  for (const a of assets.byPath.values()) out[a.path.split('/').pop() ?? a.path] = a.body.length;
  return out;
}
