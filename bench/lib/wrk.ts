// The external HTTP load generator: wrk (Debian's package; bench/install.sh installs it), run as its own
// process pinned to its own core, so the server under test never shares an event loop or a CPU with the
// load. wrk is closed-loop: `connections` requests are in flight at every moment.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** What every load generator reports: answered requests, latency percentiles (ms), failures. */
export interface LoadResult {
  readonly requests: number;
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly p999: number;
  readonly errors: number;
}

export interface WrkOptions {
  readonly url: string;
  readonly method: 'GET' | 'POST';
  readonly body?: string;
  readonly connections: number;
  readonly seconds: number;
  /** The CPU the generator is pinned to (taskset). */
  readonly cpu: number;
}

// Percentiles come from wrk's own latency histogram (microseconds), printed as one JSON line; any
// non-2xx answer counts as an error (a bench that measured 503s would flatter the server).
const script = (method: string, body: string | undefined) => `
wrk.method = "${method}"
${body === undefined ? '' : `wrk.body = [==[${body}]==]\nwrk.headers["Content-Type"] = "application/json"`}
done = function(summary, latency, requests)
  local bad = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status + summary.errors.timeout
  io.write(string.format('{"requests":%d,"us":%d,"p50":%d,"p99":%d,"p999":%d,"errors":%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    latency:percentile(99.9), bad))
end
`;

export async function wrk(o: WrkOptions): Promise<LoadResult> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-wrk-'));
  const lua = join(dir, 'script.lua');
  writeFileSync(lua, script(o.method, o.body));
  const args = ['-c', String(o.cpu), 'wrk', '-t1', `-c${o.connections}`, `-d${o.seconds}s`];
  const { stdout } = await run('taskset', [...args, '--timeout', '10s', '-s', lua, o.url], {
    maxBuffer: 1 << 20,
  });
  rmSync(dir, { recursive: true, force: true });
  const line = stdout.split('\n').find((l) => l.startsWith('{"requests"'));
  if (line === undefined) throw new Error(`wrk printed no result:\n${stdout}`);
  const r = JSON.parse(line) as {
    requests: number;
    us: number;
    p50: number;
    p99: number;
    p999: number;
    errors: number;
  };
  return {
    requests: r.requests,
    rps: r.requests / (r.us / 1e6),
    p50: r.p50 / 1000,
    p99: r.p99 / 1000,
    p999: r.p999 / 1000,
    errors: r.errors,
  };
}

/** A generator written in Node (the WebSocket one): its own process, pinned to `cpu`. */
export async function nodeGenerator(
  cpu: number,
  script: string,
  args: readonly string[],
): Promise<LoadResult> {
  const path = new URL(script, import.meta.url).pathname;
  const { stdout } = await run('taskset', ['-c', String(cpu), process.execPath, path, ...args], {
    maxBuffer: 1 << 20,
  });
  const line = stdout.trim().split('\n').at(-1) ?? '';
  return JSON.parse(line) as LoadResult;
}
