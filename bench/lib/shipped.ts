// The processes as their images run them: an image's source files (images/<image>/files.txt) with their
// ahead-of-time .js (images/emit-js.ts, what the image's sources stage runs), in a temporary directory
// that borrows the repository's node_modules (and client/dist, and the engine's scheduling addon). BENCH_RUN=ts runs the TypeScript sources
// directly instead (Node strips the types at load: ~25 MiB more per process), to compare the two.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { emitAll } from '../../images/emit-js.ts';

const root = new URL('../..', import.meta.url).pathname;
/** The embedded engine's scheduling addon, built by `make deps` (store/native/build.sh). */
const SCHED_ADDON = 'store/native/sched.node';
const built = new Map<string, string>();

/** The script to start for `entry` (a .ts of the repository): the shipped .js, or the .ts with BENCH_RUN=ts. */
export function shippedScript(image: 'ingest' | 'operator', entry: string): string {
  if (process.env.BENCH_RUN === 'ts') return join(root, entry);
  let dir = built.get(image);
  if (dir === undefined) {
    dir = buildShipped(image);
    built.set(image, dir);
  }
  return join(dir, entry.replace(/\.ts$/, '.js'));
}

/** Which the bench runs, for its first line. */
export const runsWhat = (): string =>
  process.env.BENCH_RUN === 'ts' ? 'the TypeScript sources (BENCH_RUN=ts)' : "the images' ahead-of-time .js";

function buildShipped(image: string): string {
  const dir = mkdtempSync(join(tmpdir(), `bench-${image}-js-`));
  const files = readFileSync(join(root, `images/${image}/files.txt`), 'utf8')
    .split('\n')
    .filter(Boolean);
  for (const f of files) {
    mkdirSync(dirname(join(dir, f)), { recursive: true });
    cpSync(join(root, f), join(dir, f));
  }
  cpSync(join(root, `images/${image}/package.json`), join(dir, 'package.json'));
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  // what the embedded image's native stage adds beside its sources (Dockerfile.ingest)
  if (image === 'ingest' && existsSync(join(root, SCHED_ADDON)))
    cpSync(join(root, SCHED_ADDON), join(dir, SCHED_ADDON));
  if (existsSync(join(root, 'client/dist'))) {
    mkdirSync(join(dir, 'client'), { recursive: true });
    symlinkSync(join(root, 'client/dist'), join(dir, 'client/dist'));
  }
  emitAll(dir, files);
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
