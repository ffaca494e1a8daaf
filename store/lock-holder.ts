// Whether another process holds an engine data directory, asked before the engine is: the engine locks
// `<dir>/status` with flock while a session is open, and when it finds the lock taken it prints its own
// "Code: 76. DB::Exception: Cannot lock file …" line to the terminal (native code, beyond this process's
// reach) before it throws. Linux lists every flock in /proc/locks by device and inode; a lock on the
// status file by another process is the answer. Where that list cannot be read (another OS), the answer
// is "unknown" and the engine decides, as before.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export type Holder = { readonly pid: number } | 'none' | 'unknown';

/** `fe:00:10002533` in /proc/locks: major and minor device numbers in hex, then the inode in decimal. */
function fileId(dev: number, ino: number): string {
  // Linux's dev_t: the minor number's low 8 bits, the major's 12, then the minor's upper 12.
  const major = (dev >> 8) & 0xfff;
  const minor = (dev & 0xff) | ((dev >> 12) & 0xfff00);
  const hex = (n: number) => n.toString(16).padStart(2, '0');
  return `${hex(major)}:${hex(minor)}:${ino}`;
}

/** The process (other than this one) holding `<dir>/status` locked, per the kernel's list of locks. */
export function statusLockHolder(dir: string, locks = '/proc/locks'): Holder {
  let id: string;
  let listed: string;
  try {
    const st = statSync(join(dir, 'status'));
    id = fileId(st.dev, st.ino);
  } catch {
    return 'none'; // no status file: no engine has opened the directory yet
  }
  try {
    listed = readFileSync(locks, 'utf8');
  } catch {
    return 'unknown';
  }
  for (const line of listed.split('\n')) {
    // "1: FLOCK  ADVISORY  WRITE 7984 fe:00:10002533 0 EOF" (a blocked waiter's line has "->" first)
    const fields = line.trim().split(/\s+/);
    if (fields[1] !== 'FLOCK' || fields[5] !== id) continue;
    const pid = Number(fields[4]);
    if (pid !== process.pid) return { pid };
  }
  return 'none';
}
