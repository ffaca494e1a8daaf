// The batched half of the ingest bench on its own, one phase at a time (for profiling and
// before/after comparisons of the 100-event paths without the whole `make bench`):
//   node bench/batch.ts [embedded|clickhouse|all] [phase...]
// phases: post16, post64 (100-event POST /tr/v1/str/), one64 (single-event POST /tr/v1/tr/), ws16
// (100-event WebSocket frames). Prints one
// line per phase: events/s, latency percentiles, the server's RSS before and its peak during the phase.
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { startClickHouseStand, startIngest } from './lib/ingest-server.ts';
import type { Running } from './lib/server.ts';
import { runsWhat } from './lib/shipped.ts';
import { type LoadResult, nodeGenerator, wrk } from './lib/wrk.ts';

const SERVER_CPU = 1;
const LOAD_CPU = 0;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
// BENCH_CONFIG: JSON merged into the ingest's configuration (e.g. batching overrides to compare).
// BENCH_WARMUP=0 skips the unmeasured warm-up, so `clickhouse one64 post64` starts as `make bench`'s rows do.
const overrides = JSON.parse(process.env.BENCH_CONFIG ?? '{}') as Record<string, unknown>;
const [which = 'embedded', ...wanted] = process.argv.slice(2);
const phases = wanted.length > 0 ? wanted : ['post16', 'post64', 'ws16'];

const batch = JSON.stringify(
  Array.from({ length: 100 }, (_, i) => ({ ename: 'bench_batch', n: i, url: 'https://x.example/p' })),
);

const single = JSON.stringify({ ename: 'bench_single', url: 'https://x.example/p', plan: 'pro' });

/** Events per request of a phase: one for `one*`, 100 otherwise. */
const eventsPer = (phase: string) => (phase.startsWith('one') ? 1 : 100);

function load(s: Running, phase: string): () => Promise<LoadResult> {
  const conc = Number(phase.replace(/^\D+/, ''));
  if (phase.startsWith('ws'))
    return () =>
      nodeGenerator(LOAD_CPU, './ws-load.ts', [
        `ws://127.0.0.1:${s.port}/tr/v1/ws`,
        String(conc),
        String(SECONDS),
        '100',
      ]);
  const one = phase.startsWith('one');
  return () =>
    wrk({
      url: `http://127.0.0.1:${s.port}/tr/v1/${one ? 'tr' : 'str'}/`,
      method: 'POST',
      body: one ? single : batch,
      connections: conc,
      seconds: SECONDS,
      cpu: LOAD_CPU,
    });
}

/**
 * CPU seconds per thread (utime + stime from /proc), keyed by thread id with its current name: the
 * engine renames pool threads as they pick up work, so the difference is taken per thread, then summed
 * per name.
 */
function threadCpu(pid: number): Map<string, { name: string; s: number }> {
  const out = new Map<string, { name: string; s: number }>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')).replace(/[0-9]+$/, '#');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(tid, { name, s: (Number(f[11]) + Number(f[12])) / 100 });
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return out;
}

function cpuDiff(a: Map<string, { s: number }>, b: Map<string, { name: string; s: number }>): string {
  const byName = new Map<string, number>();
  let total = 0;
  for (const [tid, { name, s }] of b) {
    const d = s - (a.get(tid)?.s ?? 0);
    total += d;
    byName.set(name, (byName.get(name) ?? 0) + d);
  }
  const parts = [...byName]
    .filter(([, v]) => v >= 0.05)
    .sort((x, y) => y[1] - x[1])
    .map(([k, v]) => `${k} ${v.toFixed(2)}`);
  return `total ${total.toFixed(2)}: ${parts.join(', ')}`;
}

async function run(label: string, server: Running & { dir: string }): Promise<void> {
  try {
    console.log(`${label} idle (started, no load yet): RSS ${Math.round(server.rssMiB())} MiB`);
    if (process.env.BENCH_WARMUP !== '0') await load(server, 'post16')().catch(() => undefined); // unmeasured
    for (const phase of phases) {
      const before = server.rssMiB();
      const cpu0 = threadCpu(server.pid);
      let peak = before;
      const sampler = setInterval(() => {
        peak = Math.max(peak, server.rssMiB());
      }, 100);
      const r = await server.profiled(load(server, phase)).finally(() => clearInterval(sampler));
      const eps = Math.round(r.rps * eventsPer(phase));
      console.log(
        `${label} ${phase}: ${eps} events/s p50 ${r.p50.toFixed(1)} p99 ${r.p99.toFixed(1)} p999 ${r.p999.toFixed(1)} ms` +
          ` errors ${r.errors}; RSS before ${Math.round(before)} peak ${Math.round(Math.max(peak, server.rssMiB()))} MiB (hwm ${Math.round(server.peakRssMiB())})`,
      );
      console.log(`  cpu s by thread: ${cpuDiff(cpu0, threadCpu(server.pid))}`);
    }
  } finally {
    await server.stop();
    rmSync(server.dir, { recursive: true, force: true });
  }
}

console.log(`running ${runsWhat()}`);
if (which === 'embedded' || which === 'all')
  await run('embedded', await startIngest('batch', SERVER_CPU, overrides));
if (which === 'clickhouse' || which === 'all') {
  const stand = await startClickHouseStand(LOAD_CPU);
  try {
    const store = { ...overrides, store: { kind: 'clickhouse', url: stand.url, database: 'tracker' } };
    await run('clickhouse', await startIngest('batch-ch', SERVER_CPU, store));
  } finally {
    await stand.stop();
  }
}
