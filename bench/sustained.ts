// Sustained batched load on the embedded ingest: 100-event POSTs for BENCH_SECONDS (default 120) at
// BENCH_CONNECTIONS (default 16), then until the data path's queue drains, sampling every 5 s what the
// 5 s phases of bench/batch.ts cannot show: whether the engine's merges keep up with the parts the
// inserts add (active parts per table, the most in one partition, merges under way, inserts the engine
// delayed or refused), beside RSS, the acknowledged rate and the rate the store takes rows.
//   node bench/sustained.ts
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startIngest } from './lib/ingest-server.ts';
import { freePort } from './lib/server.ts';
import { wrk } from './lib/wrk.ts';

const SERVER_CPU = 1;
const LOAD_CPU = 0;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 120);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const EVERY_MS = 5000;
// The drain is given up on after this long past the load (the queue's rows stay in the spool).
const DRAIN_MAX_S = Number(process.env.BENCH_DRAIN_MAX ?? 400);
// Sampling goes on this long after the drain: whether the parts the drain left are merged away.
const SETTLE_S = Number(process.env.BENCH_SETTLE ?? 30);
const overrides = JSON.parse(process.env.BENCH_CONFIG ?? '{}') as Record<string, unknown>;

const batch = JSON.stringify(
  Array.from({ length: 100 }, (_, i) => ({ ename: 'bench_batch', n: i, url: 'https://x.example/p' })),
);

const sqlPort = await freePort();
const server = await startIngest('sustained', SERVER_CPU, { ...overrides, sql: { port: sqlPort } });
const password = readFileSync(join(server.dir, 'state', 'sql.password'), 'utf8').trim();
const opsPort = (
  JSON.parse(readFileSync(join(server.dir, 'config.json'), 'utf8')) as { server: { opsPort: number } }
).server.opsPort;

/** One read through the ingest's read-only SQL endpoint, as JSON rows. */
async function sql<T>(query: string): Promise<T[]> {
  const r = await fetch(`http://127.0.0.1:${sqlPort}/`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`default:${password}`).toString('base64')}` },
    body: `${query} FORMAT JSONEachRow`,
  });
  const text = await r.text();
  if (!r.ok) throw new Error(`${r.status}: ${text}`);
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as T);
}

/** Sum over every series of a metric whose labels match `labels` (a regular expression's text). */
function metric(text: string, name: string, labels = ''): number {
  let sum = 0;
  for (const m of text.matchAll(new RegExp(`^${name}(\\{[^}]*\\})? (\\S+)$`, 'gm')))
    if (new RegExp(labels).test(m[1] ?? '')) sum += Number(m[2]);
  return sum;
}

const rssMiB = () =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${server.pid}/status`, 'utf8'))?.[1]) / 1024;

interface Sample {
  t: number;
  appended: number;
  delivered: number;
  queued: number;
}

async function sample(t0: number, prev: Sample | undefined): Promise<Sample> {
  const text = await (await fetch(`http://127.0.0.1:${opsPort}/metrics`)).text();
  const s: Sample = {
    t: (Date.now() - t0) / 1000,
    appended: metric(text, 'tracker_datapath_appended_rows_total', 'table="events"'),
    delivered: metric(text, 'tracker_datapath_batch_rows_sum', 'table="events"'),
    queued: metric(text, 'tracker_datapath_queue_rows'),
  };
  const parts = await sql<{ table: string; parts: string; most: string }>(
    `SELECT table, sum(c) AS parts, max(c) AS most FROM (SELECT table, partition_id, count() AS c
     FROM system.parts WHERE active AND database = 'tracker' GROUP BY table, partition_id)
     GROUP BY table ORDER BY parts DESC`,
  );
  const [m] = await sql<{ merges: string }>('SELECT count() AS merges FROM system.merges');
  const ev = await sql<{ event: string; value: string }>(
    `SELECT event, value FROM system.events WHERE event IN ('DelayedInserts', 'RejectedInserts', 'DelayedInsertsMilliseconds')`,
  );
  const dt = prev === undefined ? 1 : s.t - prev.t;
  const rate = (a: number, b: number | undefined) => Math.round((a - (b ?? a)) / dt);
  const total = parts.reduce((n, p) => n + Number(p.parts), 0);
  const most = Math.max(0, ...parts.map((p) => Number(p.most)));
  console.log(
    `t ${s.t.toFixed(0).padStart(4)} s: acked ${rate(s.appended, prev?.appended)}/s stored ${rate(s.delivered, prev?.delivered)}/s` +
      ` queued ${s.queued}; RSS ${Math.round(rssMiB())} MiB; parts ${total} (most in a partition ${most}), merges ${m?.merges}` +
      `${ev.map((e) => ` ${e.event} ${e.value}`).join('')}; ${parts.map((p) => `${p.table} ${p.parts}`).join(', ')}`,
  );
  return s;
}

try {
  const settings = await sql<{ name: string; value: string }>(
    `SELECT name, value FROM system.merge_tree_settings WHERE name IN ('parts_to_delay_insert',
     'parts_to_throw_insert', 'max_parts_to_merge_at_once', 'max_bytes_to_merge_at_max_space_in_pool')`,
  );
  const pool = await sql<{ name: string; value: string }>(
    `SELECT name, value FROM system.server_settings WHERE name IN ('background_pool_size',
     'background_merges_mutations_concurrency_ratio')`,
  );
  console.log([...settings, ...pool].map((s) => `${s.name}=${s.value}`).join(' '));
  const t0 = Date.now();
  let prev = await sample(t0, undefined);
  const first = prev;
  let peak = rssMiB();
  const rss = setInterval(() => {
    peak = Math.max(peak, rssMiB());
  }, 100);
  let loading = true;
  const load = wrk({
    url: `http://127.0.0.1:${server.port}/tr/v1/str/`,
    method: 'POST',
    body: batch,
    connections: CONNECTIONS,
    seconds: SECONDS,
    cpu: LOAD_CPU,
  }).finally(() => {
    loading = false;
  });
  let end: Sample | undefined;
  let loadPeak = 0;
  for (;;) {
    await new Promise((r) => setTimeout(r, EVERY_MS));
    prev = await sample(t0, prev);
    if (loading) loadPeak = Math.max(loadPeak, peak);
    if (!loading && end === undefined) end = prev;
    if (!loading && (prev.queued === 0 || prev.t - (end?.t ?? prev.t) > DRAIN_MAX_S)) break;
  }
  const drained = prev;
  while (prev.t - drained.t < SETTLE_S) {
    await new Promise((r) => setTimeout(r, EVERY_MS));
    prev = await sample(t0, prev);
  }
  clearInterval(rss);
  const r = await load;
  const e = end ?? prev;
  console.log(
    `load ${SECONDS} s at ${CONNECTIONS}: ${Math.round(((r.requests - r.errors) * 100) / SECONDS)} events/s acknowledged (${r.errors} refused), p50 ${r.p50.toFixed(1)} p99 ${r.p99.toFixed(1)} ms;` +
      ` stored during the load ${Math.round((e.delivered - first.delivered) / (e.t - first.t))}/s, ` +
      `drained ${Math.round(drained.t - e.t)} s after it; overall stored ${Math.round((drained.delivered - first.delivered) / (drained.t - first.t))}/s;` +
      ` RSS peak ${Math.round(peak)} MiB (hwm ${Math.round(server.peakRssMiB())})`,
  );
} finally {
  await server.stop();
}
