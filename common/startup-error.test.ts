import { describe, expect, it } from 'vitest';
import { StartupError, startupLine, unwritableDirectory } from './startup-error.ts';

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

// A read-only server.stateDir was reported as "invalid configuration … EROFS": the setting was fine, the
// directory was not, and nothing said what to do about it.
describe('unwritableDirectory: a directory its file system refuses to write to', () => {
  it.each([
    [
      systemError('EROFS', '/data/state/hash.key'),
      'x cannot start: server.stateDir /data/state: cannot write /data/state/hash.key: read-only file system (EROFS); mount it writable (a writable volume on Kubernetes) or set server.stateDir to a writable directory',
    ],
    [
      systemError('ENOSPC', '/data/state/erasures', 'mkdir'),
      'x cannot start: server.stateDir /data/state: cannot write /data/state/erasures: no space left on device (ENOSPC); free space on its file system or set server.stateDir to a directory on another',
    ],
    // the directory does not exist yet and its parent is on a read-only file system
    [
      systemError('EROFS', '/data', 'mkdir'),
      'x cannot start: server.stateDir /data/state: cannot write /data: read-only file system (EROFS); mount it writable (a writable volume on Kubernetes) or set server.stateDir to a writable directory',
    ],
  ])('%s', (err, line) => {
    const refused = unwritableDirectory('server.stateDir', '/data/state', err);
    expect(refused).toBeInstanceOf(StartupError);
    expect(refused?.code).toBe(err.code);
    expect(startupLine('x', refused)).toBe(line);
  });

  it.each([
    ['another failure', systemError('EACCES', '/data/state/hash.key')],
    ['a path elsewhere', systemError('EROFS', '/etc/tracker/hash.key')],
    ['a sibling with the same prefix', systemError('EROFS', '/data/state2/x')],
    ['no system error', new Error('EROFS')],
  ])('leaves %s to the caller', (_what, err) => {
    expect(unwritableDirectory('server.stateDir', '/data/state', err)).toBeUndefined();
  });
});
