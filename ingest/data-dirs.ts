// The directories the ingest writes, each with the key that configures it. A write there that its file
// system refuses (read-only, full, over quota), or that the start's check finds refused to the ingest's
// user (permissions, a parent that is a file), stops the start with a coded StartupError naming the
// directory, its key and what to do (common/startup-error.ts), whichever of them it is: without this only
// server.stateDir was said so, and a read-only store.path, spool.dir or destinations.dir reached the
// generic start-up line, which names neither the setting nor a remedy.
import { existsSync, mkdirSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { StartupError, unwritableDirectory } from '../common/startup-error.ts';
import type { Config } from './config.ts';

export interface DataDir {
  /** The configuration key that names it. */
  readonly key: string;
  readonly dir: string;
  /** What the key names: the directory itself, or a file in it. */
  readonly target: 'directory' | 'path';
}

/** What of the configuration says where the ingest writes. */
export type DataDirsConfig = {
  readonly server: Pick<Config['server'], 'stateDir'>;
  readonly store: Config['store'];
  readonly spool: Pick<Config['spool'], 'dir' | 'deadLetterFile'>;
  readonly destinations: Pick<Config['destinations'], 'dir' | 'facebook' | 'webhooks'>;
};

/**
 * Every directory the ingest writes: server.stateDir (keys, the erasure journal, locks), the embedded
 * engine's store.path, spool.dir (the disk spool; with the NATS spool still its dead letters), the
 * directory of a spool.deadLetterFile set elsewhere, and destinations.dir with a destination configured.
 */
export function dataDirs(config: DataDirsConfig): DataDir[] {
  const dirs: DataDir[] = [{ key: 'server.stateDir', dir: config.server.stateDir, target: 'directory' }];
  if (config.store.kind === 'embedded')
    dirs.push({ key: 'store.path', dir: config.store.path, target: 'directory' });
  dirs.push({ key: 'spool.dir', dir: config.spool.dir, target: 'directory' });
  const { deadLetterFile } = config.spool;
  if (deadLetterFile !== undefined)
    dirs.push({ key: 'spool.deadLetterFile', dir: dirname(deadLetterFile), target: 'path' });
  const { facebook, webhooks } = config.destinations;
  if (facebook.length + webhooks.length > 0)
    dirs.push({ key: 'destinations.dir', dir: config.destinations.dir, target: 'directory' });
  return dirs;
}

/**
 * Makes each directory (those `skip` names aside) and writes a file in it, before anything is opened: a
 * directory its file system refuses stops the start with its coded error. The check is needed besides the
 * mapping of later failures (dataDirRefused): a write refused on an open file (a full disk) carries no path,
 * so it cannot be told which directory it was in.
 */
export function checkDataDirs(config: DataDirsConfig, skip: readonly string[] = []): void {
  for (const d of dataDirs(config)) {
    if (skip.includes(d.key)) continue;
    const probe = join(d.dir, `.write-check-${process.pid}`);
    try {
      mkdirSync(d.dir, { recursive: true });
      writeFileSync(probe, 'tracker ingest: can this directory be written to?\n');
    } catch (err) {
      removeQuietly(probe); // a write refused after the open (a full disk) leaves the file
      const located =
        (err as { path?: string }).path === undefined ? Object.assign(err as object, { path: probe }) : err;
      const refused = mkdirRefusal(located);
      throw unwritableDirectory(d.key, d.dir, refused, d.target) ?? deniedDirectory(d, refused) ?? err;
    }
    rmSync(probe, { force: true });
  }
}

/** What the system refuses the ingest's user (not the file system): the reason said in the line. */
const DENIED: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOTDIR: 'a parent is not a directory',
};

/**
 * The check's write refused to the ingest's user (permissions, a parent that is a file), as the coded error
 * of the directory, naming its key and what to do: it was the generic "cannot mkdir …: permission denied",
 * naming neither. Only here, where the refusal is certainly of a write: a read refused later (a configured
 * file in one of these directories) is the file's to say.
 */
function deniedDirectory(d: DataDir, err: unknown): StartupError | undefined {
  const { code, path } = err as { code?: string; path?: string };
  const reason = DENIED[code ?? ''];
  if (reason === undefined || path === undefined) return undefined;
  const remedy = `make it a directory the ingest's user can write (on Kubernetes: the volume's fsGroup) or set ${d.key} to a ${d.target} it can`;
  return new StartupError(`${d.key} ${d.dir}: cannot write ${path}: ${reason} (${code}); ${remedy}`, {
    code,
    cause: err,
  });
}

/** Removes what a failed check may have left; a path that cannot hold it (not a directory) has nothing. */
function removeQuietly(path: string): void {
  try {
    rmSync(path, { force: true });
  } catch {
    // nothing there to remove: the error being reported is the one that matters
  }
}

/**
 * The refused write `err` as the coded error of the directory it was in, or undefined when it is no such
 * refusal (another failure, a path outside them all). Directories nest (by default the spool, the store
 * and the destinations are under server.stateDir): the deepest that holds the path is named. A path
 * above all of them (a missing directory whose parent is read-only) names the first listed that needs it.
 */
export function dataDirRefused(config: DataDirsConfig, cause: unknown): StartupError | undefined {
  const err = mkdirRefusal(cause);
  const refused = dataDirs(config)
    .map((d) => ({ d, error: unwritableDirectory(d.key, d.dir, err, d.target) }))
    .filter((r): r is { d: DataDir; error: StartupError } => r.error !== undefined);
  const path = resolve(String((err as { path?: string }).path));
  const holding = refused
    .filter(({ d }) => path === resolve(d.dir) || path.startsWith(`${resolve(d.dir)}${sep}`))
    .sort((a, b) => resolve(b.d.dir).length - resolve(a.d.dir).length);
  return (holding[0] ?? refused[0])?.error;
}

/**
 * Node's recursive mkdir (every directory the ingest makes is made so) reports a refusal of the file system
 * (read-only, full) as ENOENT, "no such file", for the directory it was asked to make. The first missing
 * directory, made alone, tells the real code; made after all (something else made its parent meanwhile),
 * it is taken away again and the original error stands.
 */
function mkdirRefusal(err: unknown): unknown {
  const e = err as { code?: string; syscall?: string; path?: string };
  if (e?.code !== 'ENOENT' || e.syscall !== 'mkdir' || e.path === undefined) return err;
  let missing = resolve(e.path);
  while (dirname(missing) !== missing && !existsSync(dirname(missing))) missing = dirname(missing);
  try {
    mkdirSync(missing);
    rmdirSync(missing);
    return err;
  } catch (refused) {
    return refused;
  }
}
