// Durability of directory entries. Creating, renaming or removing a file changes its directory, not the
// file: the change survives a power loss only once the directory itself is fsynced. The spool (new
// segments, deleted ones) and the erasure journal (entries renamed into place, removed) both rely on it.
import { open } from 'node:fs/promises';

/** Makes the entries of `dir` created, renamed or removed so far durable. */
export async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
