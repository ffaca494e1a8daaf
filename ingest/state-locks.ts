// The locks an ingest takes at start on the directories it writes beside the spool: server.stateDir and,
// with destinations configured, destinations.dir (dir-lock.ts). A directory that is the disk spool's
// (locked when the spool opens) or one already locked here is not locked twice.
import { mkdirSync, realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Config } from './config.ts';
import { type DirLock, type LockedDir, lockDir } from './dir-lock.ts';

const STATE_LOCK: LockedDir = {
  file: 'state.lock',
  key: 'server.stateDir',
  what: 'the state directory',
  one: 'a state directory',
};

const DESTINATIONS_LOCK: LockedDir = {
  file: 'destinations.lock',
  key: 'destinations.dir',
  what: 'the destinations directory',
  one: 'a destinations directory',
};

/** What of the configuration says which directories to lock. */
export interface LockedDirs {
  readonly server: Pick<Config['server'], 'stateDir'>;
  readonly spool: Pick<Config['spool'], 'kind' | 'dir'>;
  readonly destinations: Pick<Config['destinations'], 'dir' | 'facebook' | 'webhooks'>;
}

/** The directories to lock, in order, with their lock; made when missing. */
function wanted(config: LockedDirs): { dir: string; locked: LockedDir }[] {
  const { facebook, webhooks } = config.destinations;
  const dirs = [{ dir: config.server.stateDir, locked: STATE_LOCK }];
  if (facebook.length + webhooks.length > 0)
    dirs.push({ dir: config.destinations.dir, locked: DESTINATIONS_LOCK });
  return dirs;
}

/**
 * Takes the locks, or throws (a StartupError naming the directory and the process holding it; a system
 * error when a directory cannot be made or written), releasing those already taken.
 */
export function lockStateDirs(config: LockedDirs): DirLock[] {
  const held = new Set<string>();
  if (config.spool.kind === 'disk') held.add(realOrSelf(config.spool.dir));
  const locks: DirLock[] = [];
  try {
    for (const { dir, locked } of wanted(config)) {
      mkdirSync(dir, { recursive: true });
      const real = realpathSync(dir);
      if (held.has(real)) continue;
      locks.push(lockDir(dir, locked));
      held.add(real);
    }
  } catch (err) {
    for (const lock of locks) lock.release();
    throw err;
  }
  return locks;
}

/** The real path of a directory that may not exist yet (the spool makes its own when it opens). */
function realOrSelf(dir: string): string {
  try {
    return realpathSync(dir);
  } catch {
    return resolve(dir);
  }
}
