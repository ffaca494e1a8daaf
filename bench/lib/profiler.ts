// Preloaded into a server under test when PROFILE_DIR is set (node --import): SIGUSR2 starts a CPU
// profile, the next SIGUSR2 stops it and writes <PROFILE_DIR>/<PROFILE_LABEL>-<n>.cpuprofile. The bench
// brackets each load phase with the two signals, so startup and shutdown never dilute the profile.
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';

const dir = process.env.PROFILE_DIR as string;
// `PROFILE_DIR=/tmp/p make bench` names a directory that need not exist yet: writing the first profile
// into a missing one ended the server under test, and with it the bench.
mkdirSync(dir, { recursive: true });
const label = process.env.PROFILE_LABEL ?? 'server';
const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.setSamplingInterval', { interval: 200 });
let running = false;
let n = 0;

process.on('SIGUSR2', () => {
  running = !running;
  if (running) {
    void session.post('Profiler.start');
    return;
  }
  void session.post('Profiler.stop').then(({ profile }) => {
    const file = join(dir, `${label}-${++n}.cpuprofile`);
    writeFileSync(file, JSON.stringify(profile));
    const mib = (n: number) => `${Math.round(n / 2 ** 20)} MiB`;
    const m = process.memoryUsage();
    process.stderr.write(
      `profile written: ${file}; rss ${mib(m.rss)}, V8 heap ${mib(m.heapUsed)} of ${mib(m.heapTotal)}, ` +
        `external ${mib(m.external)} (array buffers ${mib(m.arrayBuffers)})\n`,
    );
  });
});
