// Which directory a refused write is said to be in (data-dirs.ts), with the system errors the file system
// gives (unwritable-data-dirs.int.test.ts makes real read-only and full file systems for the process).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type StartupError, startupLine } from '../common/startup-error.ts';
import { checkDataDirs, type DataDirsConfig, dataDirRefused } from './data-dirs.ts';

const systemError = (code: string, path: string, syscall = 'open') =>
  Object.assign(new Error(`${code}: ${path}`), { code, path, syscall });

const hook = { name: 'crm', url: 'https://crm.example/hook' };
/** The defaults' layout (everything under ./data), with the destinations and a dead-letter file elsewhere. */
const config = {
  server: { stateDir: '/data' },
  store: { kind: 'embedded', path: '/data/chdb', database: 'tracker' },
  spool: { dir: '/data/spool', deadLetterFile: '/var/log/tracker/dead-letters.jsonl' },
  destinations: { dir: '/backlogs', facebook: [], webhooks: [hook] },
} as unknown as DataDirsConfig;

// A read-only or full store, spool or destinations directory was reported by the generic start-up line
// ("cannot write …"), which named neither the setting nor what to do; only server.stateDir was.
describe('dataDirRefused: every directory the ingest writes, named by its key', () => {
  it.each([
    [
      'server.stateDir',
      systemError('EROFS', '/data/state.lock.tmp'),
      'x cannot start: server.stateDir /data: cannot write /data/state.lock.tmp: read-only file system (EROFS); mount it writable (a writable volume on Kubernetes) or set server.stateDir to a writable directory',
    ],
    [
      'store.path',
      systemError('EROFS', '/data/chdb/tracker-engine-users.xml'),
      'x cannot start: store.path /data/chdb: cannot write /data/chdb/tracker-engine-users.xml: read-only file system (EROFS); mount it writable (a writable volume on Kubernetes) or set store.path to a writable directory',
    ],
    [
      'spool.dir',
      systemError('ENOSPC', '/data/spool/events/000001.seg', 'write'),
      'x cannot start: spool.dir /data/spool: cannot write /data/spool/events/000001.seg: no space left on device (ENOSPC); free space on its file system or set spool.dir to a directory on another',
    ],
    [
      'spool.deadLetterFile',
      systemError('EDQUOT', '/var/log/tracker/dead-letters.jsonl'),
      "x cannot start: spool.deadLetterFile /var/log/tracker: cannot write /var/log/tracker/dead-letters.jsonl: disk quota exceeded (EDQUOT); raise the user's disk quota or set spool.deadLetterFile to a path on another file system",
    ],
    [
      'destinations.dir',
      systemError('EROFS', '/backlogs/crm', 'mkdir'),
      'x cannot start: destinations.dir /backlogs: cannot write /backlogs/crm: read-only file system (EROFS); mount it writable (a writable volume on Kubernetes) or set destinations.dir to a writable directory',
    ],
    // above every directory (the data volume's mount point missing on a read-only root): the first listed
    [
      'server.stateDir',
      systemError('EROFS', '/', 'mkdir'),
      'x cannot start: server.stateDir /data: cannot write /: read-only file system (EROFS); mount it writable (a writable volume on Kubernetes) or set server.stateDir to a writable directory',
    ],
  ])('%s', (key, err, line) => {
    const refused = dataDirRefused(config, err);
    expect(refused?.code).toBe(err.code);
    expect(refused?.message.startsWith(`${key} `)).toBe(true);
    expect(startupLine('x', refused)).toBe(line);
  });

  it('names no destinations.dir without a destination, nor store.path on a ClickHouse server', () => {
    const none = {
      ...config,
      store: { kind: 'clickhouse', url: 'http://ch:8123' },
      destinations: { dir: '/backlogs', facebook: [], webhooks: [] },
    } as unknown as DataDirsConfig;
    expect(dataDirRefused(none, systemError('EROFS', '/backlogs/crm'))).toBeUndefined();
    expect(dataDirRefused(none, systemError('EROFS', '/data/chdb/x'))?.message).toMatch(/^server\.stateDir /);
  });

  it.each([
    ['another failure', systemError('EACCES', '/data/spool/x')],
    ['a path elsewhere', systemError('EROFS', '/etc/tracker/hash.key')],
    ['no system error', new Error('EROFS')],
  ])('leaves %s to the caller', (_what, err) => {
    expect(dataDirRefused(config, err)).toBeUndefined();
  });
});

// A directory refused to the ingest's user (permissions, a parent that is a file) was the generic
// "cannot mkdir …" line, naming neither the key nor what to do. A parent that is a file stops root too.
describe("checkDataDirs: a directory the ingest's user cannot write", () => {
  it('names the key, the code and what to do', () => {
    const dir = mkdtempSync(join(tmpdir(), 'data-dirs-'));
    writeFileSync(join(dir, 'file'), '');
    const spool = join(dir, 'file', 'spool');
    const here = {
      server: { stateDir: join(dir, 'state') },
      store: { kind: 'clickhouse', url: 'http://ch:8123' },
      spool: { dir: spool },
      destinations: { dir: join(dir, 'backlogs'), facebook: [], webhooks: [] },
    } as unknown as DataDirsConfig;
    const refused = (() => {
      try {
        checkDataDirs(here);
      } catch (err) {
        return err as StartupError;
      }
      throw new Error('checked');
    })();
    expect(refused.code).toBe('ENOTDIR');
    expect(startupLine('x', refused)).toBe(
      `x cannot start: spool.dir ${spool}: cannot write ${spool}: a parent is not a directory (ENOTDIR); make it a directory the ingest's user can write (on Kubernetes: the volume's fsGroup) or set spool.dir to a directory it can`,
    );
  });
});
