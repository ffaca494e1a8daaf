// Whether a given process listens on a TCP port, from Linux's /proc: for a server with no readiness signal of
// its own, that shows its start bound the port it was given. A connection to the port would not: it
// succeeds as well when another process took the port first and the server is dying of it.
import { readdir, readFile, readlink } from 'node:fs/promises';
import { type ManagedProcess, readyOrStopped } from './process.ts';
import { waitFor } from './wait.ts';

const LISTEN = '0A';

/**
 * The socket inodes listening on `port`, from /proc/net/tcp and tcp6 (columns: local_address, st, inode).
 * Without /proc/net/tcp (not Linux) it fails saying so, which the wait's timeout message then carries; tcp6
 * is absent where IPv6 is off.
 */
async function listeningInodes(port: number): Promise<Set<string>> {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const text = await readFile(table, 'utf8').catch((err: NodeJS.ErrnoException) => {
      if (table.endsWith('6')) return '';
      throw new Error(`cannot read ${table} (${err.code}): which process listens is read there, on Linux`);
    });
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      const local = cols[1]?.split(':')[1];
      if (local && cols[3] === LISTEN && Number.parseInt(local, 16) === port && cols[9]) inodes.add(cols[9]);
    }
  }
  return inodes;
}

/** Whether process `pid` holds a socket listening on TCP `port` (false once it has exited). */
export async function listensOn(pid: number, port: number): Promise<boolean> {
  const inodes = await listeningInodes(port);
  if (inodes.size === 0) return false;
  const fds = await readdir(`/proc/${pid}/fd`).catch(() => []);
  for (const fd of fds) {
    const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
    const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
    if (inode && inodes.has(inode)) return true;
  }
  return false;
}

/**
 * `proc` once it listens on `port`, the readiness signal of a server that gives no other. Fails, with the
 * process's last output, when it exits first (of that port taken by another process, say), and stops it
 * when it does not listen within the time.
 */
export function listening(proc: ManagedProcess, port: number, timeoutMs = 60_000): Promise<ManagedProcess> {
  return readyOrStopped(proc, () =>
    waitFor(async () => (await listensOn(proc.pid, port)) && proc, {
      what: `${proc.name} to listen on port ${port}`,
      timeoutMs,
      abortIf: () => proc.exited(),
    }),
  );
}
