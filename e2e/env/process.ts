// A child process of the test environment: output to a log file (the first place to look when a start
// fails), readiness awaited by the caller, stop = SIGTERM then SIGKILL after a grace period.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs';
import { waitFor } from './wait.ts';

export interface ProcessSpec {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly logFile: string;
  /** Detached processes outlive the starter (used by `make env-up`). */
  readonly detached?: boolean;
  readonly env?: NodeJS.ProcessEnv;
}

export class ManagedProcess {
  readonly name: string;
  readonly logFile: string;
  readonly child: ChildProcess;
  #exit: string | undefined;
  /** Where this process's output starts in its log file: a start before it (on the same file) wrote above. */
  readonly #logFrom: number;

  constructor(spec: ProcessSpec) {
    this.name = spec.name;
    this.logFile = spec.logFile;
    const fd = openSync(spec.logFile, 'a');
    this.#logFrom = fstatSync(fd).size;
    this.child = spawn(spec.command, [...spec.args], {
      stdio: ['ignore', fd, fd],
      detached: spec.detached ?? false,
      env: spec.env ?? process.env,
    });
    closeSync(fd);
    if (spec.detached) this.child.unref();
    this.child.on('exit', (code, signal) => {
      this.#exit = `${this.name} exited (${signal ?? `code ${code}`}); last log lines:\n${this.tail()}`;
    });
    this.child.on('error', (err) => {
      this.#exit = `${this.name} could not start: ${err.message}`;
    });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** Why the process is gone, or undefined while it runs: feeds waitFor's abortIf. */
  exited(): string | undefined {
    return this.#exit;
  }

  /** The last lines this process wrote. */
  tail(lines = 15): string {
    try {
      const own = readFileSync(this.logFile).subarray(this.#logFrom).toString('utf8');
      return own.trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }

  async stop(graceMs = 5_000): Promise<void> {
    if (this.#exit !== undefined || this.child.exitCode !== null) return;
    const exited = once(this.child, 'exit');
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }
}

/**
 * `ready()`, the wait for `proc` to come up; when that fails, the process is stopped before the error is
 * passed on, so a start that failed (and may be tried again) leaves nothing running.
 */
export async function readyOrStopped<T>(proc: ManagedProcess, ready: () => Promise<T>): Promise<T> {
  try {
    return await ready();
  } catch (err) {
    await proc.stop();
    throw err;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Stop a process known only by pid (state file of `make env-up`): SIGTERM, then SIGKILL after the grace. */
export async function stopPid(pid: number, graceMs = 10_000): Promise<void> {
  if (!alive(pid)) return;
  process.kill(pid, 'SIGTERM');
  try {
    await waitFor(async () => !alive(pid), { what: `pid ${pid} to exit`, timeoutMs: graceMs });
  } catch {
    if (alive(pid)) process.kill(pid, 'SIGKILL');
  }
}

/**
 * Stop a child this process spawned: the signal, then SIGKILL when it has not exited within the grace, so a
 * test's cleanup can never wait forever on a stuck child.
 */
export async function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM', graceMs = 10_000) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
