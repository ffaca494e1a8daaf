// One process at a time per data directory: the disk spool's (spool.dir), the state directory
// (server.stateDir: the erasure journal, generated keys) and the destinations' (destinations.dir: backlogs,
// erase marks, dead letters). Two processes on one spool write their segments at the same offsets of the
// same files and each replays the other's rows: acknowledged events are overwritten or stored twice; two on
// one state or destinations directory resume each other's erase requests and append to each other's
// backlogs. The embedded engine's own lock keeps a second ingest out only when both also share
// store.path; with a ClickHouse server (store.kind: clickhouse), or a store.path of its own, nothing did.
//
// <dir>/<name>.lock holds the holder's pid, the boot it runs in and the directory's real path. A lock whose
// process is gone (a kill -9, a crash, a reboot) is taken over; so is one naming this very pid (a
// container's process is pid 1 again after a restart), and one written for another directory (a copy of a
// running ingest's directory, restored elsewhere on the same machine). Two processes taking over the same
// stale lock at the same instant can both win: the lock is for the mistake of starting a second ingest on a
// running one's directory, not for a race.
import { readFileSync, realpathSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StartupError } from '../common/startup-error.ts';

/** What a lock is on: its file in the directory, and how the refusal names the directory. */
export interface LockedDir {
  /** The lock file's name in the directory. */
  readonly file: string;
  /** The configuration key naming the directory. */
  readonly key: string;
  /** What the directory holds, for the refusal ("the spool"). */
  readonly what: string;
  /** What one process at a time may use ("a spool directory"). */
  readonly one: string;
}

export const SPOOL_LOCK: LockedDir = {
  file: 'spool.lock',
  key: 'spool.dir',
  what: 'the spool',
  one: 'a spool directory',
};

interface LockRecord {
  readonly pid: number;
  readonly boot: string;
  readonly dir: string;
}

/** The kernel's id of this boot: a pid recorded in another boot names no process of this one. */
function bootId(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return ''; // another OS: the pid alone decides
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // another user's process: it exists
  }
}

function readRecord(path: string): LockRecord | undefined {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockRecord>;
    if (typeof parsed.pid !== 'number') return undefined;
    const text = (v: unknown) => (typeof v === 'string' ? v : '');
    return { pid: parsed.pid, boot: text(parsed.boot), dir: text(parsed.dir) };
  } catch {
    return undefined; // none, or unreadable (a write torn by a crash): no holder to name
  }
}

/** The other process that holds `dir`, if one still runs. */
function holder(path: string, boot: string, dir: string): number | undefined {
  const held = readRecord(path);
  if (held === undefined || held.pid === process.pid) return undefined;
  if (held.boot !== '' && boot !== '' && held.boot !== boot) return undefined;
  if (held.dir !== '' && held.dir !== dir) return undefined;
  return alive(held.pid) ? held.pid : undefined;
}

export interface DirLock {
  release(): void;
}

/** Takes `<dir>/spool.lock`, or throws a StartupError naming the process that holds it. */
export function lockSpoolDir(dir: string): DirLock {
  return lockDir(dir, SPOOL_LOCK);
}

/** Takes `<dir>/<locked.file>`, or throws a StartupError naming the directory and the process that holds it. */
export function lockDir(dir: string, locked: LockedDir): DirLock {
  const path = join(dir, locked.file);
  const boot = bootId();
  const real = realpathSync(dir);
  const pid = holder(path, boot, real);
  if (pid !== undefined)
    throw new StartupError(
      `open ${locked.what} at ${dir}: another process (pid ${pid}) holds it; one process at a time may use ${locked.one} (${locked.key}), and a running ingest holds it until it stops`,
    );
  const record: LockRecord = { pid: process.pid, boot, dir: real };
  writeFileSync(`${path}.tmp`, JSON.stringify(record));
  renameSync(`${path}.tmp`, path);
  return {
    release() {
      // only our own record: a process that took over a lock it thought stale keeps its own
      if (readRecord(path)?.pid !== process.pid) return;
      try {
        unlinkSync(path);
      } catch {
        // already gone: nothing to release
      }
    },
  };
}
