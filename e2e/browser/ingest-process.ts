// The real ingest as a separate process (`node ingest/server.ts --config <file>`, what `make run` starts)
// on the embedded engine in a temporary directory, on a fixed port so that it can be stopped and started
// again at the same address: a browser page sees exactly what a real outage looks like. Stopping is
// SIGTERM (drain, exit 0). The embedded engine admits one process per directory, so the store is read
// while the ingest is stopped.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStore } from '../../store/index.ts';
import { freePort } from '../env/ports.ts';

const SERVER = new URL('../../ingest/server.ts', import.meta.url).pathname;
const KILL_GRACE_MS = 30_000;

export interface IngestProcess {
  readonly url: string;
  readonly running: boolean;
  start(): Promise<void>;
  /** SIGTERM, then wait for a clean exit (every acknowledged event is in the store by then). */
  stop(): Promise<void>;
  /** Reads the store; the ingest must be stopped. */
  query<T>(sql: string, params?: Record<string, unknown>): Promise<T[]>;
  /** The process output so far (for failure messages). */
  output(): string;
}

export async function ingestProcess(config: Record<string, unknown>): Promise<IngestProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'ingest-process-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const store = { kind: 'embedded', path: join(dir, 'chdb'), database: 'tracker' } as const;
  const file = join(dir, 'ingest.json');
  writeFileSync(
    file,
    JSON.stringify({
      ...config,
      server: { host: '127.0.0.1', port, stateDir: join(dir, 'state'), shutdownGraceMs: 20_000 },
      store,
      spool: { dir: join(dir, 'spool') },
    }),
  );
  let child: ChildProcess | undefined;
  let out = '';

  const ready = async (c: ChildProcess) => {
    for (;;) {
      if (c.exitCode !== null) throw new Error(`ingest exited ${c.exitCode}:\n${out.slice(-4000)}`);
      const status = await fetch(`${url}/ready`).then(
        (r) => r.status,
        () => 0,
      );
      if (status === 200) return;
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  return {
    url,
    get running() {
      return child !== undefined;
    },
    async start() {
      if (child) return;
      const c = spawn(process.execPath, [SERVER, '--config', file], { cwd: dir, stdio: 'pipe' });
      c.stdout?.on('data', (d) => {
        out += String(d);
      });
      c.stderr?.on('data', (d) => {
        out += String(d);
      });
      child = c;
      await ready(c);
    },
    async stop() {
      const c = child;
      if (!c) return;
      child = undefined;
      const exited = new Promise<number | null>((r) => c.once('exit', (code) => r(code)));
      c.kill('SIGTERM');
      const kill = setTimeout(() => c.kill('SIGKILL'), KILL_GRACE_MS);
      const code = await exited;
      clearTimeout(kill);
      if (code !== 0) throw new Error(`ingest did not drain cleanly (exit ${code}):\n${out.slice(-4000)}`);
    },
    async query<T>(sql: string, params?: Record<string, unknown>) {
      if (child) throw new Error('stop the ingest before reading its embedded store');
      const s = await createStore(store);
      try {
        return await s.query<T>(sql, params);
      } finally {
        await s.close();
      }
    },
    output: () => out,
  };
}
