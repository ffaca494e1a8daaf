// A second ingest started on a running one's spool directory (a store.path of its own, or a ClickHouse
// server, so the embedded engine's lock did not stop it) used to start and write its segments into the
// same files as the first, at the same offsets: acknowledged events overwritten or stored twice. It now
// stops with one line naming spool.dir and the process that holds it; a directory whose holder was
// killed is taken over. The same holds for server.stateDir. The real `node ingest/server.ts`.
import { type ChildProcess, spawn } from 'node:child_process';
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const SERVER = new URL('../server.ts', import.meta.url).pathname;

interface Started {
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; output: string }>;
  /** Resolves once the process announced its URLs (listening), or rejects if it exited first. */
  readonly listening: Promise<void>;
}

const spoolDir = () => join(mkdtempSync(join(tmpdir(), 'shared-spool-')), 'spool');

function start(spool: string, stateDir?: string): Started {
  const cwd = mkdtempSync(join(tmpdir(), 'spool-user-'));
  writeFileSync(
    join(cwd, 'ingest.json'),
    JSON.stringify({
      server: { host: '127.0.0.1', port: 0, opsPort: 0, ...(stateDir === undefined ? {} : { stateDir }) },
      sql: { port: 0 },
      spool: { dir: spool },
    }),
  );
  const child = spawn(process.execPath, [SERVER, '--config', 'ingest.json'], {
    cwd,
    stdio: 'pipe',
    timeout: 60_000,
    killSignal: 'SIGKILL',
  });
  let output = '';
  let announced: () => void = () => {};
  const listening = new Promise<void>((resolve) => {
    announced = resolve;
  });
  const collect = (d: Buffer) => {
    output += String(d);
    if (output.includes('metrics: http')) announced();
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exited = new Promise<{ code: number | null; output: string }>((resolve) =>
    child.once('close', (code) => resolve({ code, output })),
  );
  const up = Promise.race([
    listening,
    exited.then(({ output: o }) => Promise.reject(new Error(`exited before listening: ${o}`))),
  ]);
  up.catch(() => {}); // a start expected to fail is awaited by its exit, not by this
  return { child, exited, listening: up };
}

const running: Started[] = [];
afterEach(async () => {
  for (const s of running.splice(0)) {
    s.child.kill('SIGKILL');
    await s.exited;
  }
});

describe('one ingest per spool directory', () => {
  it('stops a second ingest on a running one’s spool.dir, naming the key and the holder', async () => {
    const spool = spoolDir();
    const first = start(spool);
    running.push(first);
    await first.listening;
    const { code, output } = await start(spool).exited;
    expect(code, output).toBe(2);
    expect(output).toMatch(
      new RegExp(
        `ingest cannot start: open the spool at ${spool}: another process \\(pid ${first.child.pid}\\) holds it; .*\\(spool\\.dir\\)`,
      ),
    );
    expect(output).not.toMatch(/\n\s+at /); // no stack trace
  });

  // The state directory (the erasure journal, generated keys) had no lock: a second ingest with a spool of
  // its own started on it and resumed the first one's erase requests.
  it('stops a second ingest on a running one’s server.stateDir, naming the key and the holder', async () => {
    const state = join(mkdtempSync(join(tmpdir(), 'shared-state-')), 'state');
    const first = start(spoolDir(), state);
    running.push(first);
    await first.listening;
    const { code, output } = await start(spoolDir(), state).exited;
    expect(code, output).toBe(2);
    expect(output).toMatch(
      new RegExp(
        `ingest cannot start: open the state directory at ${state}: another process \\(pid ${first.child.pid}\\) holds it; .*\\(server\\.stateDir\\)`,
      ),
    );
  });

  it('takes over the spool.dir of an ingest that was killed', async () => {
    const spool = spoolDir();
    const first = start(spool);
    await first.listening;
    first.child.kill('SIGKILL');
    await first.exited;
    const next = start(spool);
    running.push(next);
    await next.listening;
  });

  it('starts on a copy of a running ingest’s spool.dir (a backup restored elsewhere)', async () => {
    const spool = spoolDir();
    const first = start(spool);
    running.push(first);
    await first.listening;
    const copy = spoolDir();
    cpSync(spool, copy, { recursive: true });
    const restored = start(copy);
    running.push(restored);
    await restored.listening;
  });
});
