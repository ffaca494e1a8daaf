// The main thread's CPU per event of the 100-event paths, in one process: the app (Fastify, the body
// parser, the route schema, normalisation, validation) and the real data path with its disk spool, over a
// store that takes every insert and keeps nothing (so no engine shares the thread's core and no insert
// lands in a round). Requests go through inject(), WebSocket frames over loopback (inject's upgrades carry
// no raw headers): the client's side runs on the same thread, the same for every build, so differences
// are the server's.
//   node bench/pipeline.ts [ROUNDS] [ROOT]   ROOT: another checkout's ingest, for A/B runs in alternation
// BENCH_SINGLE=1 measures single-event POSTs over loopback instead (wrk, 64 connections, pinned to cpu 0,
// BENCH_SECONDS each round): main-thread CPU µs per request; with BENCH_ALLOCATIONS=1 the bytes allocated
// per request by function, of Node's HTTP, Fastify and the ingest alike.
// Prints per phase and round the main thread's CPU µs per event (process.threadCpuUsage) and the
// garbage collector's pauses per event (wall time, so it grows with the machine's load). GeoIP is off, as in bench/batch.ts. BENCH_ALLOCATIONS=1 first
// prints the bytes allocated per event by function (sampled). Nothing is asserted.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import WebSocket from 'ws';
import { wrk } from './lib/wrk.ts';

const [roundsText = '5', root = new URL('..', import.meta.url).pathname] = process.argv.slice(2);
const SINGLE = process.env.BENCH_SINGLE !== undefined;
const EVENTS = 100;
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 2000);
const CONCURRENCY = 16;

const at = (path: string) => import(join(resolve(root), path));

// The ingest's own Node flags (its young generation's size sets how often the collector runs): the
// script runs itself again with them, those of the checkout measured.
const { ingestNodeFlags } = (await at('ingest/node-flags.ts')) as { ingestNodeFlags: string[] };
if (process.env.BENCH_PIPELINE_CHILD === undefined) {
  const args = [...ingestNodeFlags, ...process.execArgv, ...process.argv.slice(1)];
  const env = { ...process.env, BENCH_PIPELINE_CHILD: '1' };
  process.exit(spawnSync(process.execPath, args, { stdio: 'inherit', env }).status ?? 1);
}
const { buildApps } = await at('ingest/app.ts');
const { createDataPath } = await at('ingest/datapath/index.ts');
const { parseConfig } = await at('ingest/config.ts');
const { testDeps } = await at('ingest/testing/deps.ts');
const { disabledGeoIp } = await at('ingest/geoip/geoip.ts');

const discarding = {
  kind: 'embedded',
  insert: async () => {},
  insertJsonLines: async (
    _t: string,
    lines: Buffer | Iterable<Buffer> | AsyncIterable<Buffer> | (() => AsyncIterable<Buffer>),
  ) => {
    if (Buffer.isBuffer(lines)) return;
    for await (const _ of typeof lines === 'function' ? lines() : (lines as AsyncIterable<Buffer>));
  },
  query: async () => [],
  command: async () => {},
  ping: async () => true,
  close: async () => {},
};

const dir = mkdtempSync(join(tmpdir(), 'bench-pipeline-'));
const config = { spool: { dir: join(dir, 'spool') } };
const cfg = parseConfig(config);
const dataPath = await createDataPath(
  { store: cfg.store, spool: cfg.spool, batching: cfg.batching, retention: cfg.retention },
  { store: discarding, migrate: false },
);
// single events as the server runs: with a logger (each request's child logger is Fastify's work too)
const logger = SINGLE ? { level: 'info' } : false;
const { app, ops } = await buildApps(await testDeps(dataPath, config, { geo: disabledGeoIp }), { logger });
await app.listen({ host: '127.0.0.1', port: 0 });
const { port } = app.server.address() as { port: number };

const serverBody = JSON.stringify(
  Array.from({ length: EVENTS }, (_, i) => ({ ename: 'bench_batch', n: i, url: 'https://x.example/p' })),
);
const frame = (ack: number) =>
  JSON.stringify(
    Array.from({ length: EVENTS }, (_, n) => ({ ...(n === 0 ? { ack } : {}), ename: 'bench_ws', n })),
  );

async function posts(n: number): Promise<void> {
  const one = async () => {
    const res = await app.inject({ method: 'POST', url: '/tr/v1/str/', payload: serverBody });
    if (res.statusCode !== 200) throw new Error(`POST answered ${res.statusCode}: ${res.body}`);
  };
  for (let i = 0; i < n; i += CONCURRENCY) await Promise.all(Array.from({ length: CONCURRENCY }, one));
}

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const singleBody = JSON.stringify({ ename: 'bench_single', url: 'https://x.example/p', plan: 'pro' });
/** Single-event POSTs over loopback for `seconds`; the number of requests answered. */
async function singles(seconds: number): Promise<number> {
  const url = `http://127.0.0.1:${port}/tr/v1/tr/`;
  const r = await wrk({ url, method: 'POST', body: singleBody, connections: 64, seconds, cpu: 0 });
  if (r.errors > 0) throw new Error(`${r.errors} single-event POSTs failed`);
  return r.requests;
}

async function frames(n: number): Promise<void> {
  const socket = async (count: number) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/tr/v1/ws`, { headers: { 'user-agent': 'bench/1.0' } });
    await new Promise((open, fail) => ws.once('open', open).once('error', fail));
    for (let i = 1; i <= count; i++) {
      const answer = await new Promise<string>((done) => {
        ws.once('message', (data: Buffer) => done(data.toString()));
        ws.send(frame(i));
      });
      if (answer.includes('"error"')) throw new Error(`frame answered ${answer}`);
    }
    ws.terminate();
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, () => socket(Math.ceil(n / CONCURRENCY))));
}

let gcMs = 0;
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcMs += e.duration;
}).observe({ entryTypes: ['gc'] });

async function measure(name: string, run: (n: number) => Promise<void>, round: number): Promise<number> {
  const cpu0 = process.threadCpuUsage();
  const gc0 = gcMs;
  const t0 = performance.now();
  await run(REQUESTS);
  const cpu = process.threadCpuUsage(cpu0);
  const events = REQUESTS * EVENTS;
  const us = (cpu.user + cpu.system) / events;
  console.log(
    `round ${round} ${name}: ${us.toFixed(2)} µs main-thread CPU/event (GC pauses ${(((gcMs - gc0) * 1000) / events).toFixed(2)} µs), ` +
      `${Math.round(events / ((performance.now() - t0) / 1000))} events/s, load ${loadavg()[0]?.toFixed(2)}`,
  );
  return us;
}

/** Bytes allocated per event by function (V8's sampling heap profiler, collected objects included). */
async function allocations(name: string, run: (n: number) => Promise<unknown>): Promise<void> {
  const session = new Session();
  session.connect();
  await session.post('HeapProfiler.startSampling', {
    samplingInterval: 256,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
  const answered = await run(REQUESTS / 4);
  const { profile } = await session.post('HeapProfiler.stopSampling');
  session.disconnect();
  const bytes = new Map<string, number>();
  const where = new Map<string, number>();
  const part = (url: string) =>
    url.includes('/node_modules/')
      ? 'node_modules'
      : url.includes('/ingest/')
        ? 'ingest'
        : url.startsWith('node:')
          ? 'node'
          : 'other';
  const walk = (node: typeof profile.head): void => {
    const f = node.callFrame;
    const key = `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*\/(?=[^/]+\/[^/]+$)/, '')}:${f.lineNumber + 1}`;
    bytes.set(key, (bytes.get(key) ?? 0) + node.selfSize);
    where.set(part(f.url), (where.get(part(f.url)) ?? 0) + node.selfSize);
    for (const child of node.children) walk(child);
  };
  walk(profile.head);
  const events = typeof answered === 'number' ? answered : (REQUESTS / 4) * EVENTS;
  const total = [...bytes.values()].reduce((a, b) => a + b, 0);
  const parts = [...where].map(([k, n]) => `${k} ${Math.round(n / events)}`).join(', ');
  console.log(`${name}: ${Math.round(total / events)} bytes allocated per event (${parts}); the most by:`);
  for (const [key, n] of [...bytes].sort((a, b) => b[1] - a[1]).slice(0, Number(process.env.BENCH_TOP ?? 15)))
    console.log(`  ${Math.round(n / events)}  ${key}`);
}

async function single(round: number): Promise<number> {
  const cpu0 = process.threadCpuUsage();
  const gc0 = gcMs;
  const requests = await singles(SECONDS);
  const cpu = process.threadCpuUsage(cpu0);
  const us = (cpu.user + cpu.system) / requests;
  console.log(
    `round ${round} single: ${us.toFixed(2)} µs main-thread CPU/request (GC pauses ${(((gcMs - gc0) * 1000) / requests).toFixed(2)} µs), ` +
      `${Math.round(requests / SECONDS)} req/s, load ${loadavg()[0]?.toFixed(2)}`,
  );
  return us;
}

const results: Record<string, number[]> = SINGLE ? { single: [] } : { post: [], ws: [] };
try {
  if (SINGLE) {
    await singles(2); // warm-up
    if (process.env.BENCH_ALLOCATIONS !== undefined) await allocations('single', () => singles(SECONDS));
    for (let r = 1; r <= Number(roundsText); r++) results.single?.push(await single(r));
  }
  if (!SINGLE) await posts(REQUESTS / 4); // warm-up: the optimising compiler, the spool's first segments
  if (!SINGLE) await frames(REQUESTS / 4);
  if (!SINGLE && process.env.BENCH_ALLOCATIONS !== undefined) {
    await allocations('post', posts);
    await allocations('ws', frames);
  }
  for (let r = 1; !SINGLE && r <= Number(roundsText); r++) {
    results.post?.push(await measure('post', posts, r));
    results.ws?.push(await measure('ws', frames, r));
  }
} finally {
  await app.close();
  await ops.close();
  await dataPath.close(0);
  rmSync(dir, { recursive: true, force: true });
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
for (const [name, xs] of Object.entries(results))
  console.log(
    `${name} (${root}): µs/event min ${Math.min(...xs).toFixed(2)} median ${median(xs).toFixed(2)} max ${Math.max(...xs).toFixed(2)}`,
  );
process.exit(0);
