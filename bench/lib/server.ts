// A server under test in its own process, pinned to one core with taskset; its peak RSS is read from
// /proc. With PROFILE_DIR set it preloads profiler.ts: profile(phase) brackets a load phase with a CPU
// profile.
import { type ChildProcess, spawn } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

export interface Running {
  readonly pid: number;
  readonly port: number;
  /** RSS high-water mark so far (MiB), threads of native engines included. */
  peakRssMiB(): number;
  rssMiB(): number;
  /** Runs `load` inside a CPU profile of the server when PROFILE_DIR is set. */
  profiled<T>(load: () => Promise<T>): Promise<T>;
  /**
   * An ingest's `events` rows so far: durably accepted, and accepted but not yet inserted into its store
   * (its own counters, from its operations listener); none for bare Fastify.
   */
  eventRows?(): Promise<{ accepted: number; queued: number }>;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

const status = (pid: number, field: string): number => {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : Number.NaN;
};

export interface StartOptions {
  readonly script: string;
  readonly args?: readonly string[];
  /** Node flags before the script (e.g. V8 heap sizes). */
  readonly nodeArgs?: readonly string[];
  readonly env?: Record<string, string>;
  readonly cpu: number;
  readonly port: number;
  /** Resolves once the server answers. */
  readonly ready: (port: number) => Promise<void>;
  readonly label: string;
}

/** SERVER_STDOUT_DIR keeps each server's standard output (e.g. V8's `--trace-gc` lines) in `<dir>/<label>.log`. */
function serverStdout(label: string): 'ignore' | number {
  const dir = process.env.SERVER_STDOUT_DIR;
  return dir === undefined ? 'ignore' : openSync(join(dir, `${label}.log`), 'a');
}

/**
 * The servers' environment: the caller's, without what would change what is measured behind the bench's
 * back. A `TRACKER_*` variable overrides the ingest's configuration file (a `TRACKER_SPOOL__FSYNC` left in a
 * shell turned the durable rows into fsync-off ones) and NODE_OPTIONS adds Node flags to the ones compared.
 */
export function serverEnv(parent: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(parent))
    if (!k.startsWith('TRACKER_') && k !== 'NODE_OPTIONS') out[k] = v;
  return out;
}

export async function start(o: StartOptions): Promise<Running> {
  const profiling = process.env.PROFILE_DIR !== undefined;
  const nodeArgs = [
    ...(o.nodeArgs ?? []),
    ...(profiling ? ['--import', new URL('./profiler.ts', import.meta.url).pathname] : []),
  ];
  const child: ChildProcess = spawn(
    'taskset',
    ['-c', String(o.cpu), process.execPath, ...nodeArgs, o.script, ...(o.args ?? [])],
    {
      env: { ...serverEnv(), PROFILE_LABEL: o.label, ...o.env },
      stdio: ['ignore', serverStdout(o.label), 'inherit'],
    },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const pid = child.pid as number;
  await o.ready(o.port);
  return {
    pid,
    port: o.port,
    peakRssMiB: () => status(pid, 'VmHWM'),
    rssMiB: () => status(pid, 'VmRSS'),
    async profiled(load) {
      if (!profiling) return load();
      child.kill('SIGUSR2');
      try {
        return await load();
      } finally {
        child.kill('SIGUSR2');
        // the profile is written asynchronously by the server: give it a moment before anything stops it
        await new Promise((r) => setTimeout(r, 1500));
      }
    },
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Polls `url` until it answers 2xx (at most `ms`). */
export async function answers(url: string, ms = 120_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const ok = await fetch(url).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not answer within ${ms} ms`);
}
