// The operator process refuses to start, with one JSON log line and exit 2, where it cannot work: no credentials, an
// unreadable kubeconfig or configuration file, an unknown argument. Before, it fell back to
// http://localhost:8080, reported healthy and logged a failed lease update every 2 s.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const main = new URL('./main.ts', import.meta.url).pathname;

function run(
  args: string[],
  onStdout: (soFar: string, stop: () => void) => void = () => undefined,
  env: Record<string, string> = {},
): Promise<{ code: number | null; stderr: string; stdout: string }> {
  const home = mkdtempSync(join(tmpdir(), 'operator-home-'));
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [main, ...args], {
      env: { PATH: process.env.PATH, HOME: home, ...env },
    });
    let stderr = '';
    let stdout = '';
    // one SIGTERM: its handler is a once-handler, so a second one (more output after the first) ended the
    // process before it could write what it writes on the way out
    let stopped = false;
    const stop = () => {
      if (stopped) return;
      stopped = true;
      child.kill('SIGTERM');
    };
    child.stderr.on('data', (d) => {
      stderr += String(d);
    });
    child.stdout.on('data', (d) => {
      stdout += String(d);
      onStdout(stdout, stop);
    });
    // 'close', not 'exit': the pipes may still hold the last lines when the process has exited
    child.once('close', (code) => resolve({ code, stderr, stdout }));
  });
}

/** The process's output as the JSON log lines it is made of. */
const jsonLines = <T = unknown>(out: string): T[] =>
  out
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as T);

// Each case starts a Node process: generous timeouts for a loaded machine (nothing here measures time).
describe('operator/main.ts startup errors', { timeout: 90_000 }, () => {
  it.each([
    [[], /^tracker-operator cannot start: no cluster credentials: pass --kubeconfig FILE/],
    [
      ['--kubeconfig', '/nonexistent'],
      /^tracker-operator cannot start: --kubeconfig \/nonexistent: no such file$/,
    ],
    [
      ['--config', '/nonexistent.yaml'],
      /^tracker-operator cannot start: invalid operator configuration \(\/nonexistent\.yaml\): cannot read/,
    ],
    [['--bogus'], /^tracker-operator cannot start: Unknown option '--bogus' \(usage: /],
  ])('%j: exit 2 with one line', async (args, line) => {
    const out = await run(args);
    expect(out.code).toBe(2);
    expect(out.stdout).toBe('');
    // one JSON line in the shape of the operator's other lines: a log pipeline reads it like them
    expect(jsonLines(out.stderr)).toEqual([
      {
        time: expect.any(String),
        level: 'error',
        msg: expect.stringMatching(line),
        component: 'tracker-operator',
        code: expect.stringMatching(/^(STARTUP_INVALID|ENOENT)$/),
      },
    ]);
  });

  // Asking for the options is not a startup problem: it answered "cannot start: Unknown option '--help'".
  it.each([['--help'], ['-h']])('%s prints the usage on stdout and exits 0', async (arg) => {
    const out = await run([arg]);
    expect(out.code).toBe(0);
    expect(out.stderr).toBe('');
    expect(out.stdout).toMatch(/^usage: node operator\/main\.ts \[--config FILE\] \[--kubeconfig FILE\]\n/);
    expect(out.stdout).toContain('--kubeconfig FILE');
  });
});

/** A kubeconfig naming an apiserver over TLS that nothing listens on, written in `dir`. */
function unreachableKubeconfig(dir: string): string {
  const kubeconfig = join(dir, 'kubeconfig.json');
  writeFileSync(
    kubeconfig,
    JSON.stringify({
      clusters: [{ name: 'c', cluster: { server: 'https://127.0.0.1:1' } }],
      users: [{ name: 'u', user: { token: 't' } }],
      contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
      'current-context': 'x',
    }),
  );
  return kubeconfig;
}

describe('operator/main.ts on a port it cannot bind', { timeout: 90_000 }, () => {
  // The bind error escaped as an uncaught exception: a stack trace, not the one start-up line and exit 2.
  it('exits 2 with one line naming http.port', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'operator-port-'));
    const held = createServer();
    await new Promise<void>((resolve) => held.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = held.address() as AddressInfo;
      const config = join(dir, 'operator.json');
      writeFileSync(config, JSON.stringify({ http: { port, host: '127.0.0.1' } }));
      const out = await run(['--config', config, '--kubeconfig', unreachableKubeconfig(dir)]);
      expect(out.code).toBe(2);
      expect(jsonLines(out.stderr)).toEqual([
        expect.objectContaining({
          level: 'error',
          code: 'EADDRINUSE',
          msg: `tracker-operator cannot start: http.port: 127.0.0.1:${port} is in use by another process; choose another http.port`,
        }),
      ]);
    } finally {
      held.close();
    }
  });
});

describe('operator/main.ts logs', { timeout: 90_000 }, () => {
  // Regression: main.ts wrote "Operator listening" and "Shutting down" by hand, without the time,
  // component and identity every other line carries, so a collector could not place or attribute them.
  it('writes its own lines in the shape of every other line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'operator-logs-'));
    // An apiserver nothing listens on: the operator starts (the HTTP probes) and keeps trying to lead.
    const kubeconfig = unreachableKubeconfig(dir);
    const config = join(dir, 'operator.json');
    // At logLevel warn too (the lifecycle lines are info): harnesses and the bench wait for the start line.
    const settings = { identity: 'logs-test', logLevel: 'warn', http: { port: 0, host: '127.0.0.1' } };
    writeFileSync(config, JSON.stringify(settings));
    // With certificate checks off Node warns at the first TLS connection (to the apiserver): a process
    // warning was Node's plain `(node:1) Warning: …` text on stderr.
    const out = await run(
      ['--config', config, '--kubeconfig', kubeconfig],
      (soFar, stop) => {
        if (soFar.includes('Operator listening') && soFar.includes('NODE_TLS_REJECT_UNAUTHORIZED')) stop();
      },
      { NODE_TLS_REJECT_UNAUTHORIZED: '0' },
    );
    expect(out.stderr).toBe('');
    const lines = jsonLines<Record<string, unknown>>(out.stdout);
    const shape = { time: expect.any(String), component: 'tracker-operator' };
    for (const line of lines)
      expect(line).toMatchObject({ ...shape, level: expect.any(String), msg: expect.any(String) });
    for (const msg of ['Operator listening', 'Shutting down']) {
      expect(lines.find((l) => l.msg === msg)).toMatchObject({
        ...shape,
        identity: 'logs-test',
        level: 'info',
      });
    }
    expect(lines.find((l) => String(l.msg).includes('NODE_TLS_REJECT_UNAUTHORIZED'))).toMatchObject({
      ...shape,
      level: 'warn',
      msg: expect.stringMatching(/^Warning: /),
    });
  });

  // Node's warnings were written whatever the configured logLevel: at logLevel error a warn line still
  // showed among the operator's lines.
  it('honours logLevel in the lines it writes beside its logger: no process warning at error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'operator-level-'));
    const kubeconfig = unreachableKubeconfig(dir);
    const config = join(dir, 'operator.json');
    writeFileSync(
      config,
      JSON.stringify({ identity: 'level-test', logLevel: 'error', http: { port: 0, host: '127.0.0.1' } }),
    );
    let asked = false;
    const out = await run(
      ['--config', config, '--kubeconfig', kubeconfig],
      (soFar, stop) => {
        const port = /"msg":"Operator listening".*"port":(\d+)/.exec(soFar)?.[1];
        if (port === undefined || asked) return;
        asked = true;
        // once the apiserver was asked (over TLS with checks off: Node's warning is due), stop
        void untilApiAsked(Number(port)).then(stop);
      },
      { NODE_TLS_REJECT_UNAUTHORIZED: '0' },
    );
    expect(out.stderr).toBe('');
    const levels = jsonLines<{ level: string; msg: string }>(out.stdout).map((l) => [l.level, l.msg]);
    // the lifecycle lines are written whatever the level; nothing else below error
    expect(levels).toEqual([
      ['info', 'Operator listening'],
      ['info', 'Shutting down'],
    ]);
  });
});

/** Resolves once the operator's metrics count a request to the apiserver. */
async function untilApiAsked(port: number): Promise<void> {
  for (;;) {
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    if (/^tracker_operator_api_requests_total\{[^}]*\} [1-9]/m.test(metrics)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}
