// Two checkouts side by side: the ingest of each (and a bare Fastify POST) started together on the
// server core and loaded in turn, round after round, with single-event POSTs at 64 connections. On a
// shared machine the load of the moment moves every number; taking both builds in the same minutes, in
// alternation, leaves the difference between them. Prints, per server, req/s and CPU per request (every
// thread of the process, and its main thread alone, from /proc) for each round, then the best and the
// median. The main thread's share moves less with the engine's inserts and merges, which land in some
// rounds and not others. Nothing is asserted.
//   node bench/ab.ts BEFORE_ROOT AFTER_ROOT [ROUNDS]   BENCH_SECONDS (3), BENCH_CONFIG (JSON merged into
//   both ingests' configuration, e.g. '{"spool":{"fsync":false}}')
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startBareFastify } from './lib/ingest-server.ts';
import type { Running } from './lib/server.ts';
import { wrk } from './lib/wrk.ts';

const [before, after, rounds = '4'] = process.argv.slice(2);
if (before === undefined || after === undefined)
  throw new Error('usage: node bench/ab.ts BEFORE AFTER [ROUNDS]');
if (!Number.isInteger(Number(rounds)) || Number(rounds) < 2 || Number(rounds) % 2 !== 0)
  throw new Error('ROUNDS must be an even number ≥ 2: the two ingests swap places every round');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const config = JSON.parse(process.env.BENCH_CONFIG ?? '{}') as Record<string, unknown>;
const body = JSON.stringify({ ename: 'bench_single', url: 'https://x.example/p', plan: 'pro' });

type StartIngest = (label: string, cpu: number, config?: Record<string, unknown>) => Promise<Running>;
const ingestOf = async (root: string): Promise<StartIngest> =>
  ((await import(join(resolve(root), 'bench/lib/ingest-server.ts'))) as { startIngest: StartIngest })
    .startIngest;

/** utime + stime in seconds, of every thread of the process (`/proc/pid/stat`) or of one (`.../task/tid/stat`). */
function cpuSeconds(statFile: string): number {
  const stat = readFileSync(statFile, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}
const whole = (pid: number) => cpuSeconds(`/proc/${pid}/stat`);
const main = (pid: number) => cpuSeconds(`/proc/${pid}/task/${pid}/stat`);

async function round(s: Running) {
  const cpu0 = whole(s.pid);
  const main0 = main(s.pid);
  const url = `http://127.0.0.1:${s.port}/tr/v1/tr/`;
  const r = await wrk({ url, method: 'POST', body, connections: 64, seconds: SECONDS, cpu: 0 });
  const perRequest = (seconds: number) => (seconds * 1e6) / r.requests;
  return {
    rps: r.rps,
    p99: r.p99,
    usPerRequest: perRequest(whole(s.pid) - cpu0),
    mainUsPerRequest: perRequest(main(s.pid) - main0),
  };
}

type Entry = [string, Running];
const servers: Entry[] = [
  ['bare Fastify', await startBareFastify(1)],
  [`before (${before})`, await (await ingestOf(before))('ab-before', 1, config)],
  [`after (${after})`, await (await ingestOf(after))('ab-after', 1, config)],
];
const results = new Map<string, Awaited<ReturnType<typeof round>>[]>();
try {
  for (const [, s] of servers) await round(s); // warm-up
  for (let i = 0; i < Number(rounds); i++) {
    // The two ingests swap places every round. An ingest inserts its `events` batch 10 s after the
    // batch's first row, on the same core: in a fixed order the second one's insert always landed in
    // the first one's next round, which then lost 20-30% (two identical builds differed that much).
    const [bare, first, second] = servers as [Entry, Entry, Entry];
    for (const [name, s] of i % 2 === 0 ? [bare, first, second] : [bare, second, first]) {
      const r = await round(s);
      results.set(name, [...(results.get(name) ?? []), r]);
      console.log(
        `round ${i + 1} ${name}: ${Math.round(r.rps)} req/s, p99 ${r.p99.toFixed(1)} ms, ` +
          `${r.usPerRequest.toFixed(1)} µs CPU/request (main thread ${r.mainUsPerRequest.toFixed(1)})`,
      );
    }
  }
} finally {
  for (const [, s] of servers) await s.stop();
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
for (const [name, rs] of results) {
  const rps = rs.map((r) => r.rps);
  const us = rs.map((r) => r.usPerRequest);
  const mainUs = rs.map((r) => r.mainUsPerRequest);
  console.log(
    `${name}: req/s best ${Math.round(Math.max(...rps))} median ${Math.round(median(rps))}; ` +
      `µs CPU/request best ${Math.min(...us).toFixed(1)} median ${median(us).toFixed(1)}; ` +
      `main thread best ${Math.min(...mainUs).toFixed(1)} median ${median(mainUs).toFixed(1)}`,
  );
}
