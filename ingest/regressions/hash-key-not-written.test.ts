// The hash key is generated into server.stateDir when privacy.hashKeyFile is unset. Where it could not be
// written the start stopped with a line that named neither server.stateDir nor what to do ("cannot mkdir
// …: permission denied"), or, for something in the way of the key itself, said the key could not be
// *read* and to restore it from a backup, of a key that was never made. The real `node ingest/server.ts`.
// Root writes anywhere whatever the permission bits, so the cases use what stops root too (a parent that
// is a regular file: ENOTDIR; a broken symbolic link where the key goes), and the permission case runs the
// process as nobody when the tests run as root.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const SERVER = new URL('../server.ts', import.meta.url).pathname;

/** Starts the ingest in `cwd` with its state in `stateDir` and no key configured; its last line, parsed. */
function start(cwd: string, stateDir: string, as: { uid?: number; gid?: number } = {}) {
  const config = {
    server: { host: '127.0.0.1', port: 0, opsPort: 0, stateDir },
    sql: { port: 0 },
    store: { kind: 'clickhouse', url: 'http://127.0.0.1:1' },
    spool: { dir: 'spool' },
  };
  writeFileSync(join(cwd, 'ingest.json'), JSON.stringify(config));
  const run = spawnSync(process.execPath, [SERVER, '--config', 'ingest.json'], {
    cwd,
    ...as,
    encoding: 'utf8',
    timeout: 60_000,
    killSignal: 'SIGKILL',
  });
  const last = JSON.parse(run.stderr.trim().split('\n').at(-1) ?? '{}') as { code?: string; msg?: string };
  return { status: run.status, stderr: run.stderr, ...last };
}

describe('a hash key that cannot be generated stops the start with a coded line saying what to do', () => {
  it('server.stateDir under a regular file (ENOTDIR): named by its key', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'key-notdir-'));
    writeFileSync(join(cwd, 'file'), '');
    const stateDir = join(cwd, 'file', 'state');
    const r = start(cwd, stateDir);
    expect(r.status, r.stderr).toBe(2);
    expect(r.code).toBe('ENOTDIR');
    expect(r.msg).toBe(
      `ingest cannot start: server.stateDir ${stateDir}: cannot write ${stateDir}: a parent is not a directory (ENOTDIR); make it a directory the ingest's user can write (on Kubernetes: the volume's fsGroup) or set server.stateDir to a directory it can`,
    );
  });

  it('server.stateDir the ingest may not write (EACCES): named by its key', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'key-denied-'));
    mkdirSync(join(cwd, 'closed'));
    chmodSync(cwd, 0o777); // the ingest's own files (its config, its spool) stay writable
    chmodSync(join(cwd, 'closed'), 0o555);
    // relative to the process's directory: the directories above it (the test run's, private to root)
    // are not looked through, so the refusal is the one of \`closed\`
    const stateDir = join('closed', 'state');
    // permission bits do not stop root: as root, the process runs as nobody
    const nobody = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    const r = start(cwd, stateDir, nobody);
    expect(r.status, r.stderr).toBe(2);
    expect(r.code).toBe('EACCES');
    expect(r.msg).toBe(
      `ingest cannot start: server.stateDir ${stateDir}: cannot write ${stateDir}: permission denied (EACCES); make it a directory the ingest's user can write (on Kubernetes: the volume's fsGroup) or set server.stateDir to a directory it can`,
    );
  });

  it('a broken symbolic link where the key goes: HASH_KEY_FILE_MISSING, the key could not be written', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'key-in-the-way-'));
    const stateDir = join(cwd, 'state');
    mkdirSync(stateDir);
    const key = join(stateDir, 'hash.key');
    symlinkSync(join(cwd, 'unmounted', 'hash.key'), key);
    const r = start(cwd, stateDir);
    expect(r.status, r.stderr).toBe(2);
    expect(r.code).toBe('HASH_KEY_FILE_MISSING');
    expect(r.msg).toBe(
      `ingest cannot start: server.stateDir: cannot write the generated hash key ${key}: something that is not a file is in the way, a broken symbolic link perhaps (EEXIST); remove it to have a key generated there, or set privacy.hashKeyFile to the deployment's key file`,
    );
  });
});
