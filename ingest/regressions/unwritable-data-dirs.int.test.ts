// Regression: an ingest whose store.path, spool.dir or destinations.dir was on a read-only or full file
// system stopped with the generic start-up line ("cannot write …", or "cannot mkdir …: no such file" for a
// directory still to be made), which named neither the setting nor what to do; only server.stateDir got
// the coded line. The real process, on real file systems: each run gets a mount namespace of its own
// (unshare -m) with a tmpfs mounted read-only, or filled, where the directory is. Mounting needs
// CAP_SYS_ADMIN (root here); where it is missing the cases are skipped and data-dirs.test.ts, which
// feeds the same errors to the mapping, still runs.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const SERVER = new URL('../server.ts', import.meta.url).pathname;
const canMount =
  spawnSync('unshare', ['-m', 'sh', '-c', 'mount -t tmpfs -o size=64k tmpfs /mnt'], { stdio: 'ignore' })
    .status === 0;

type Kind = 'server.stateDir' | 'store.path' | 'spool.dir' | 'destinations.dir';

/** The configuration: every directory in `dir`, except `kind`'s, which is `mnt/x` on the mounted tmpfs. */
function configFile(dir: string, kind: Kind, mnt: string): string {
  const at = (k: Kind, name: string) => (k === kind ? join(mnt, 'x') : join(dir, name));
  writeFileSync(join(dir, 'secret'), 'a-signing-secret-of-32-characters');
  const hook = { name: 'crm', url: 'https://crm.example/hook', signingSecretFile: join(dir, 'secret') };
  const config = {
    server: { host: '127.0.0.1', port: 0, opsPort: 0, stateDir: at('server.stateDir', 'state') },
    sql: { port: 0 },
    store: { kind: 'embedded', path: at('store.path', 'chdb'), database: 'tracker' },
    spool: { dir: at('spool.dir', 'spool') },
    destinations: { dir: at('destinations.dir', 'destinations'), webhooks: [{ ...hook, consent: [] }] },
  };
  const file = join(dir, 'ingest.json');
  writeFileSync(file, JSON.stringify(config));
  return file;
}

/** How the tmpfs at $1 is made unwritable: read-only with the directory in it, read-only without, full. */
const MOUNTS = {
  'read-only': 'mount -t tmpfs -o size=1m tmpfs "$1" && mkdir "$1/x" && mount -o remount,ro "$1"',
  'read-only, the directory still to be made': 'mount -t tmpfs -o ro,size=1m tmpfs "$1"',
  full: 'mount -t tmpfs -o size=256k tmpfs "$1" && mkdir "$1/x" && (cat /dev/zero > "$1/fill" 2>/dev/null; true)',
} as const;

function start(kind: Kind, how: keyof typeof MOUNTS) {
  const dir = mkdtempSync(join(tmpdir(), 'unwritable-'));
  const mnt = join(dir, 'mnt');
  mkdirSync(mnt);
  const script = `${MOUNTS[how]} && exec "$2" "$3" --config "$4"`;
  const file = configFile(dir, kind, mnt);
  const run = spawnSync('unshare', ['-m', 'sh', '-c', script, 'sh', mnt, process.execPath, SERVER, file], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { ...run, where: join(mnt, 'x') };
}

const CASES = (['server.stateDir', 'store.path', 'spool.dir', 'destinations.dir'] as const).flatMap((kind) =>
  (Object.keys(MOUNTS) as (keyof typeof MOUNTS)[]).map((how) => [kind, how] as const),
);

describe.skipIf(!canMount)('a directory the ingest writes on a read-only or full file system', () => {
  it.each(CASES)('%s, %s: exit 2 with the coded line naming the key and what to do', (kind, how) => {
    const run = start(kind, how);
    const code = how === 'full' ? 'ENOSPC' : 'EROFS';
    const remedy =
      how === 'full'
        ? `free space on its file system or set ${kind} to a directory on another`
        : `mount it writable (a writable volume on Kubernetes) or set ${kind} to a writable directory`;
    expect(run.status, run.stderr).toBe(2);
    // the start-up failure is the process's last log line, JSON like the others
    const last = JSON.parse(run.stderr.trim().split('\n').at(-1) ?? '{}') as { msg?: string; code?: string };
    expect(last.code).toBe(code);
    expect(last.msg).toMatch(
      new RegExp(`^ingest cannot start: ${kind.replace('.', '\\.')} ${run.where}: cannot write `),
    );
    expect(last.msg).toContain(`(${code}); ${remedy}`);
  });
});
