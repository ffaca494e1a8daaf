// Reading the kernel's list of locks for the engine's status file (the live case, an ingest holding its
// directory, is in ingest/query.int.test.ts).
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { statusLockHolder } from './lock-holder.ts';

function dirWithStatus(): { dir: string; id: string } {
  const dir = mkdtempSync(join(tmpdir(), 'lock-holder-'));
  writeFileSync(join(dir, 'status'), 'PID: 1\n');
  const st = statSync(join(dir, 'status'));
  const major = ((st.dev >> 8) & 0xfff).toString(16).padStart(2, '0');
  const minor = ((st.dev & 0xff) | ((st.dev >> 12) & 0xfff00)).toString(16).padStart(2, '0');
  return { dir, id: `${major}:${minor}:${st.ino}` };
}

const locksFile = (dir: string, text: string) => {
  const file = join(dir, 'locks');
  writeFileSync(file, text);
  return file;
};

describe('statusLockHolder', () => {
  it('names the process whose flock is on the status file', () => {
    const { dir, id } = dirWithStatus();
    const locks = locksFile(
      dir,
      `1: POSIX  ADVISORY  WRITE 11 ${id} 0 EOF\n2: FLOCK  ADVISORY  WRITE 4242 ${id} 0 EOF\n`,
    );
    expect(statusLockHolder(dir, locks)).toEqual({ pid: 4242 });
  });

  it('is none when only this process, or nobody, locks it', () => {
    const { dir, id } = dirWithStatus();
    expect(
      statusLockHolder(dir, locksFile(dir, `1: FLOCK  ADVISORY  WRITE ${process.pid} ${id} 0 EOF\n`)),
    ).toBe('none');
    expect(statusLockHolder(dir, locksFile(dir, '1: FLOCK  ADVISORY  WRITE 77 fe:00:1 0 EOF\n'))).toBe(
      'none',
    );
    expect(statusLockHolder(mkdtempSync(join(tmpdir(), 'lock-holder-')), '/proc/locks')).toBe('none');
  });

  it('is unknown where the list of locks cannot be read', () => {
    const { dir } = dirWithStatus();
    expect(statusLockHolder(dir, join(dir, 'no-such-file'))).toBe('unknown');
  });
});
