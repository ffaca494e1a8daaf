// The profiler preload writes its profiles into PROFILE_DIR even when that directory does not exist yet
// (the documented `PROFILE_DIR=/tmp/p make bench`): writing the first one ended the server under test.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';

const PROFILER = new URL('./profiler.ts', import.meta.url).pathname;

// killed after the test whatever happened to it (a timed-out test never reaches its own finally)
let child: ReturnType<typeof spawn> | undefined;
afterEach(() => {
  child?.kill('SIGKILL');
});

it('writes a profile into a PROFILE_DIR it creates', { timeout: 60_000 }, async () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'profiler-')), 'not', 'yet');
  const proc = spawn(
    process.execPath,
    ['--import', PROFILER, '-e', "console.log('ready'); setInterval(() => {}, 1000)"],
    { env: { ...process.env, PROFILE_DIR: dir, PROFILE_LABEL: 'server' } },
  );
  child = proc;
  const lines = { out: '', err: '' };
  proc.stderr.on('data', (d) => {
    lines.err += String(d);
  });
  try {
    await new Promise<void>((resolve, reject) => {
      proc.stdout.on('data', (d) => {
        lines.out += String(d);
        if (lines.out.includes('ready')) resolve();
      });
      proc.once('exit', (code) => reject(new Error(`exited ${code} before it was ready: ${lines.err}`)));
    });
    // Each SIGUSR2 starts or stops a profile. Two sent at once may arrive as one (signals do not queue),
    // so one is sent every 100 ms until a stop has written a profile.
    const toggle = setInterval(() => proc.kill('SIGUSR2'), 100);
    await new Promise<void>((resolve, reject) => {
      proc.stderr.on('data', () => lines.err.includes('profile written') && resolve());
      proc.once('exit', (code) => reject(new Error(`exited ${code}: ${lines.err}`)));
    }).finally(() => clearInterval(toggle));
    expect(existsSync(join(dir, 'server-1.cpuprofile'))).toBe(true);
  } finally {
    proc.kill('SIGKILL');
  }
});
