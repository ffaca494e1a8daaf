// Builds the browser client: `dist/tracker.mjs` (ESM), `dist/tracker.js` (script tag, IIFE), and the
// TypeScript declarations in `dist/types/`. Prints each bundle's size raw and gzipped (what a visitor
// downloads). `node client/build.ts [outDir]`; `buildClient()` is what tests call.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
// ES2020: every browser with fetch keepalive and sendBeacon (Chrome/Edge 80+, Firefox 74+, Safari 14+).
const TARGET = 'es2020';

export interface BuiltFile {
  readonly file: string;
  readonly bytes: number;
  readonly gzipBytes: number;
}

async function bundle(entry: string, format: 'esm' | 'iife', outfile: string): Promise<BuiltFile> {
  await build({
    entryPoints: [join(here, 'src', entry)],
    outfile,
    bundle: true,
    minify: true,
    format,
    target: TARGET,
    platform: 'browser',
    legalComments: 'none',
    logLevel: 'error',
  });
  const code = readFileSync(outfile);
  return { file: outfile, bytes: code.length, gzipBytes: gzipSync(code, { level: 9 }).length };
}

/** Declarations for the ESM entry, with the source's `.ts` import specifiers rewritten to `.js`. */
function declarations(outDir: string): void {
  const tsc = join(here, '..', 'node_modules', 'typescript', 'bin', 'tsc');
  try {
    execFileSync(process.execPath, [tsc, '-p', join(here, 'tsconfig.types.json'), '--outDir', outDir]);
  } catch (e) {
    // tsc reports type errors on stdout; a tsc that was killed or could not start says so only in
    // `signal`, stderr or the error itself, and an empty message named nothing.
    const { stdout, stderr, signal } = e as { stdout?: Buffer; stderr?: Buffer; signal?: string };
    const said = `${stdout ?? ''}${stderr ?? ''}`.trim();
    const why = said || (signal ? `tsc was stopped by ${signal}` : String(e));
    throw new Error(`declarations failed:\n${why}`);
  }
  for (const f of readdirSync(outDir)) {
    const p = join(outDir, f);
    writeFileSync(p, readFileSync(p, 'utf8').replace(/(from '\.\/[\w-]+)\.ts'/g, "$1.js'"));
  }
}

export async function buildClient(outDir = join(here, 'dist')): Promise<BuiltFile[]> {
  mkdirSync(outDir, { recursive: true });
  const files = [
    await bundle('index.ts', 'esm', join(outDir, 'tracker.mjs')),
    await bundle('script.ts', 'iife', join(outDir, 'tracker.js')),
  ];
  declarations(join(outDir, 'types'));
  return files;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const f of await buildClient(process.argv[2])) {
    console.log(`${f.file}: ${f.bytes} bytes, ${f.gzipBytes} gzipped`);
  }
}
