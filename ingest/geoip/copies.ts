// The GeoIP file is read from a private copy, never from where it is configured. A file replaced in place
// (`cp new.BIN current.BIN`, what a sidecar or a user does) is the same file truncated and rewritten: a
// reader holding it open read the new bytes as they arrived, a header with half a body, and answered
// errors or other places' rows, and the old database was gone before the new one was whole. A copy the
// process owns stays as it was until a newer copy is whole. A copy is a clone where the file system
// can (btrfs, XFS), else a full copy: the disk holds one more database, two while one replaces another.
import { constants } from 'node:fs';
import { copyFile, mkdir, mkdtemp, open, readdir, rm, stat, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkWhole, GeoIpFileError } from './whole.ts';

/** The file's identity as stat tells it: a new file (renamed over) or a rewritten one differ. */
export const signature = (st: { ino: number; size: number; mtimeMs: number }) =>
  `${st.ino}:${st.size}:${st.mtimeMs}`;

export interface Copy {
  readonly path: string;
  /** The signature of the configured file the copy was taken from. */
  readonly sig: string;
}

export interface Copies {
  /** A whole copy of the file as it is now, or a GeoIpFileError (incomplete, changing, not a BIN file). */
  take(file: string): Promise<Copy>;
  drop(copy: Copy): Promise<void>;
  close(): Promise<void>;
}

const PREFIX = 'geoip-';

/**
 * Copies kept in `dir` (created; copies a process before this one left are removed), or without one in a
 * temporary directory removed on close.
 */
export async function openCopies(dir: string | undefined): Promise<Copies> {
  const own = dir === undefined;
  const at = dir ?? (await mkdtemp(join(tmpdir(), 'tracker-geoip-')));
  await mkdir(at, { recursive: true });
  for (const name of await readdir(at))
    if (name.startsWith(PREFIX)) await rm(join(at, name), { force: true, recursive: true });
  let taken = 0;
  const held = new Set<string>();
  const drop = async (path: string) => {
    held.delete(path);
    await unlink(path).catch(() => undefined);
  };
  return {
    async take(file) {
      const path = join(at, `${PREFIX}${++taken}.bin`);
      held.add(path);
      try {
        return { path, sig: await copyWhole(file, path) };
      } catch (err) {
        await drop(path);
        throw err;
      }
    },
    drop: (copy) => drop(copy.path),
    async close() {
      for (const path of held) await drop(path);
      if (own) await rm(at, { recursive: true, force: true });
    },
  };
}

/** Copies the file and checks the copy whole; the file must not change while it is copied. */
async function copyWhole(file: string, path: string): Promise<string> {
  const before = signature(await stat(file));
  await copyFile(file, path, constants.COPYFILE_FICLONE);
  const after = signature(await stat(file));
  if (after !== before)
    throw new GeoIpFileError(
      'GEOIP_FILE_CHANGING',
      `${file} changed while it was read (still being written?)`,
    );
  const fh = await open(path, 'r');
  try {
    await checkWhole(fh, file);
  } finally {
    await fh.close();
  }
  return after;
}
