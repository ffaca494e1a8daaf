// Vitest global setup of every project with files that write temporary files: the run's temporary files
// (the tests', and those of the processes they start) go under one directory, removed when the run ends.
// Many tests create directories with mkdtemp and leave them (a process they started may still hold them);
// run after run they filled /tmp until tests that write failed. TMPDIR is read by os.tmpdir() in every
// process started after this, the test workers included.
// One directory per run, not per project: nested ones lengthen every path below them, and a Unix socket's
// path must stay under 108 bytes (Chromium's profile lock is one). `make test` makes the run's directory
// itself and says so in RUN_TMPDIR; an earlier project of the same run does the same.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const RUN = 'RUN_TMPDIR';

export default function setup(): () => void {
  if (process.env[RUN]) return () => {};
  const previous = process.env.TMPDIR;
  const dir = mkdtempSync(join(tmpdir(), 'tracker-vitest-'));
  process.env.TMPDIR = dir;
  process.env[RUN] = dir;
  return () => {
    delete process.env[RUN];
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    // TRACKER_KEEP_ENV=1 keeps the test environment's directory (its components' logs) for a look after.
    if (process.env.TRACKER_KEEP_ENV === '1') console.log(`[env] kept the run's temporary files in ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  };
}
