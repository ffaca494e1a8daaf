// The ingest process's command line: `--help` prints the usage and exits 0 (it answered "ingest cannot start:
// Unknown option '--help'" with exit 2), and an unknown option is still one line naming the usage, exit 2.
// Neither opens a store or a port: both are answered before the configuration is read.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const SERVER = new URL('./server.ts', import.meta.url).pathname;

function run(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const cwd = mkdtempSync(join(tmpdir(), 'ingest-args-'));
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [SERVER, ...args], {
      cwd,
      env: { PATH: process.env.PATH, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += String(d);
    });
    child.stderr.on('data', (d) => {
      stderr += String(d);
    });
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Every line a JSON log line (a start-up failure is one, in the Fastify logger's shape). */
const logLines = (text: string) =>
  text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

// Each case starts a Node process: generous timeouts for a loaded machine (nothing here measures time).
describe('ingest/server.ts arguments', { timeout: 90_000 }, () => {
  it.each([['--help'], ['-h']])('%s prints the usage on stdout and exits 0', async (arg) => {
    const out = await run([arg]);
    expect(out.code).toBe(0);
    expect(out.stderr).toBe('');
    expect(out.stdout).toMatch(/^usage: node ingest\/server\.ts \[--config FILE\]\n/);
    expect(out.stdout).toContain('TRACKER_<SECTION>__<KEY>');
  });

  it('refuses an unknown option with one line naming the usage, exit 2', async () => {
    const out = await run(['--bogus']);
    expect(out.code).toBe(2);
    expect(out.stdout).toBe('');
    expect(logLines(out.stderr)).toEqual([
      expect.objectContaining({
        level: 50,
        code: 'STARTUP_INVALID',
        msg: expect.stringMatching(
          /^ingest cannot start: Unknown option '--bogus' \(usage: node ingest\/server\.ts /,
        ),
      }),
    ]);
  });

  // LOG_LEVEL=warning (syslog's spelling) stopped the process after its engine had opened, with the
  // logger's "default level:warning must be included in custom levels", exit 1, naming no variable.
  it('refuses a LOG_LEVEL that is no level with one line naming it, exit 2, before opening the store', async () => {
    const out = await run([], { LOG_LEVEL: 'warning' });
    expect(out.code).toBe(2);
    expect(logLines(out.stderr)).toEqual([
      expect.objectContaining({
        msg: 'ingest cannot start: LOG_LEVEL: "warning" is not a log level; use one of fatal, error, warn, info, debug, trace, silent',
      }),
    ]);
  });
});
