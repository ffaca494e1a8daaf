import { describe, expect, it } from 'vitest';
import { StartupError, startupLine } from './startup-error.ts';

const systemError = (code: string, path: string, syscall = 'open') =>
  Object.assign(new Error(`${code}: ${path}`), { code, path, syscall });

describe('startupLine: one line, what is wrong and what to change', () => {
  it.each([
    [
      new StartupError('store.kind is "embedded" but chdb is missing'),
      'x cannot start: store.kind is "embedded" but chdb is missing',
    ],
    [systemError('ENOENT', '/etc/tracker/key'), 'x cannot start: cannot read /etc/tracker/key: no such file'],
    [
      systemError('EACCES', '/data/spool', 'mkdir'),
      'x cannot start: cannot mkdir /data/spool: permission denied',
    ],
    // a data directory on a read-only or full file system was reported as a file it "cannot read"
    [
      systemError('EROFS', '/data/chdb/tracker-engine-users.xml'),
      'x cannot start: cannot write /data/chdb/tracker-engine-users.xml: read-only file system',
    ],
    [
      systemError('ENOSPC', '/data/spool/spool.lock.tmp'),
      'x cannot start: cannot write /data/spool/spool.lock.tmp: no space left on device',
    ],
    [
      new StartupError('invalid configuration (f.yaml):\n  - a: bad\n  - b: worse'),
      'x cannot start: invalid configuration (f.yaml): a: bad; b: worse',
    ],
    [
      new Error('listen EADDRINUSE: address already in use 0.0.0.0:8080'),
      'x cannot start: listen EADDRINUSE: address already in use 0.0.0.0:8080',
    ],
  ])('%s', (err, line) => {
    expect(startupLine('x', err)).toBe(line);
  });
});
