// The open-loop HTTP load generator: `bench/loadgen`, a Go program (standard library only) built into the
// tool cache by its build.sh when missing or stale, run as its own process pinned to its own core. Requests
// are due every 1/rate s whether or not earlier ones were answered, each timed from when it was due.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { LoadResult } from './wrk.ts';

const run = promisify(execFile);
const build = new URL('../loadgen/build.sh', import.meta.url).pathname;
let binary: Promise<string> | undefined;

/** The generator's path, built on first use (the script prints it last). */
export function loadgenBinary(): Promise<string> {
  binary ??= run('bash', [build]).then(({ stdout }) => stdout.trim().split('\n').at(-1) ?? '');
  return binary;
}

export interface OpenLoopOptions {
  readonly url: string;
  readonly rate: number;
  readonly seconds: number;
  /** The most keep-alive connections it opens; it opens more only while all are busy. */
  readonly connections: number;
  /** POSTed as JSON; GET without one. */
  readonly bodyFile?: string;
  /** The CPU the generator is pinned to (taskset). */
  readonly cpu: number;
}

export async function openLoop(o: OpenLoopOptions): Promise<LoadResult> {
  const args = [
    o.url,
    String(o.rate),
    String(o.seconds),
    String(o.connections),
    ...(o.bodyFile ? [o.bodyFile] : []),
  ];
  const bin = await loadgenBinary();
  const { stdout } = await run('taskset', ['-c', String(o.cpu), bin, ...args], { maxBuffer: 1 << 20 });
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as LoadResult;
}
