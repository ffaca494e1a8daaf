// Two ingests started on the same server.stateDir or destinations.dir resumed each other's erase requests
// and appended to each other's backlogs: nothing kept the second out, as spool.lock does for spool.dir.
// Another live process is this test's parent (its pid named in the lock file); a killed one is a child
// that has exited.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StartupError } from '../common/startup-error.ts';
import { type LockedDirs, lockStateDirs } from './state-locks.ts';

const bootId = () => readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();

/** A lock file in `dir` as a process `pid` of this boot leaves it. */
function heldBy(dir: string, file: string, pid: number): void {
  writeFileSync(join(dir, file), JSON.stringify({ pid, boot: bootId(), dir: realpathSync(dir) }));
}

function dirs(more: { stateDir?: string; spoolDir?: string; destinations?: boolean } = {}) {
  const root = mkdtempSync(join(tmpdir(), 'state-locks-'));
  const config: LockedDirs = {
    server: { stateDir: more.stateDir ?? join(root, 'state') },
    spool: { kind: 'disk', dir: more.spoolDir ?? join(root, 'spool') },
    destinations: {
      dir: join(root, 'destinations'),
      facebook: [],
      webhooks: more.destinations
        ? ([{ name: 'crm' }] as unknown as LockedDirs['destinations']['webhooks'])
        : [],
    },
  };
  return { root, config };
}

describe('lockStateDirs', () => {
  it('refuses a server.stateDir another running process holds, naming it and the process', () => {
    const { root, config } = dirs();
    const first = lockStateDirs(config);
    heldBy(join(root, 'state'), 'state.lock', process.ppid);
    const err = (() => {
      try {
        lockStateDirs(config);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(StartupError);
    expect((err as Error).message).toBe(
      `open the state directory at ${join(root, 'state')}: another process (pid ${process.ppid}) holds it; one process at a time may use a state directory (server.stateDir), and a running ingest holds it until it stops`,
    );
    for (const lock of first) lock.release();
  });

  it('refuses a destinations.dir another running process holds when destinations are configured', () => {
    const { root, config } = dirs({ destinations: true });
    lockStateDirs(config);
    heldBy(join(root, 'destinations'), 'destinations.lock', process.ppid);
    expect(() => lockStateDirs(config)).toThrow(
      `open the destinations directory at ${join(root, 'destinations')}: another process (pid ${process.ppid}) holds it; one process at a time may use a destinations directory (destinations.dir)`,
    );
  });

  it('takes over the lock of a process that is gone, and releases it on close', () => {
    const { root, config } = dirs();
    const gone = spawnSync(process.execPath, ['-e', '0']).pid;
    lockStateDirs(config);
    heldBy(join(root, 'state'), 'state.lock', gone);
    const locks = lockStateDirs(config);
    expect(JSON.parse(readFileSync(join(root, 'state', 'state.lock'), 'utf8')).pid).toBe(process.pid);
    for (const lock of locks) lock.release();
    expect(existsSync(join(root, 'state', 'state.lock'))).toBe(false);
  });

  it('locks neither a directory the spool locks nor destinations.dir without destinations', () => {
    const root = mkdtempSync(join(tmpdir(), 'state-locks-'));
    const { config } = dirs({ stateDir: join(root, 'data'), spoolDir: join(root, 'data') });
    expect(lockStateDirs(config)).toEqual([]);
    expect(existsSync(join(root, 'data', 'state.lock'))).toBe(false);
    expect(existsSync(config.destinations.dir)).toBe(false);
  });
});
