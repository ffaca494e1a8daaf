// The ingest as its image runs it: the image's source files (images/ingest/files.txt) with their
// ahead-of-time .js (images/emit-js.ts, what the image's sources stage runs), in a temporary directory
// that borrows the repository's node_modules and client/dist. BENCH_INGEST=ts runs the TypeScript
// sources directly instead (Node strips the types at load: ~18 MiB more per process), to compare.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { emitAll } from '../../images/emit-js.ts';

const root = new URL('../..', import.meta.url).pathname;

let built: string | undefined;

/** The ingest's entry point for the bench: the shipped .js by default, the .ts with BENCH_INGEST=ts. */
export function ingestScript(): string {
  if (process.env.BENCH_INGEST === 'ts') return join(root, 'ingest/server.ts');
  built ??= buildShipped();
  return join(built, 'ingest/server.js');
}

function buildShipped(): string {
  const dir = mkdtempSync(join(tmpdir(), 'bench-shipped-'));
  const files = readFileSync(join(root, 'images/ingest/files.txt'), 'utf8').split('\n').filter(Boolean);
  for (const f of files) {
    mkdirSync(dirname(join(dir, f)), { recursive: true });
    cpSync(join(root, f), join(dir, f));
  }
  cpSync(join(root, 'images/ingest/package.json'), join(dir, 'package.json'));
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  mkdirSync(join(dir, 'client'), { recursive: true });
  if (existsSync(join(root, 'client/dist'))) symlinkSync(join(root, 'client/dist'), join(dir, 'client/dist'));
  emitAll(dir, files);
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
