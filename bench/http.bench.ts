// `make bench` (HTTP level): requests/s and p50/p99 for a single-event POST /tr/v1/tr/ and a
// 100-event batch (HTTP JSON array and WebSocket frame with ack) — all acknowledged only once durable on
// the real data path + embedded chdb — next to a bare Fastify hello-world measured in the same run on
// the same machine, plus the ratio and each server's peak RSS. Numbers are printed, never asserted.
// Each server runs in its own child process so the load generator does not share its event loop.
import { fork } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';

const DURATION_MS = Number(process.env.BENCH_MS ?? 5000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const batch = JSON.stringify(
  Array.from({ length: 100 }, (_, i) => ({ ename: 'bench_batch', n: i, url: 'https://x.example/p' })),
);
const single = JSON.stringify({ ename: 'bench_single', url: 'https://x.example/p', plan: 'pro' });

async function serve(mode: string): Promise<void> {
  if (mode === 'hello') {
    const { default: Fastify } = await import('fastify');
    const app = Fastify();
    app.get('/', async () => ({ hello: 'world' }));
    await app.listen({ host: '127.0.0.1', port: 0 });
    process.send?.({ port: (app.server.address() as { port: number }).port });
    return;
  }
  const { startLive } = await import('../ingest/testing/live.ts');
  const live = await startLive({ batching: { tables: {} } }); // the data path's default batching
  process.send?.({ port: Number(new URL(live.url).port) });
}

interface Result {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  events: number;
}

const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;

async function httpLoad(name: string, port: number, method: string, path: string, body?: string, events = 1) {
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const latencies: number[] = [];
  const end = performance.now() + DURATION_MS;
  const one = () =>
    new Promise<void>((resolve, reject) => {
      const t0 = performance.now();
      const req = request(
        {
          host: '127.0.0.1',
          port,
          method,
          path,
          agent,
          headers: body ? { 'content-type': 'application/json' } : {},
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            if ((res.statusCode ?? 500) >= 300) reject(new Error(`${name}: HTTP ${res.statusCode}`));
            latencies.push(performance.now() - t0);
            resolve();
          });
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  const worker = async () => {
    while (performance.now() < end) await one();
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  agent.destroy();
  return summarise(name, latencies, performance.now() - t0, events);
}

async function wsLoad(name: string, port: number): Promise<Result> {
  const latencies: number[] = [];
  const end = performance.now() + DURATION_MS;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: Math.max(1, CONCURRENCY / 4) }, async () => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/tr/v1/ws`);
      await new Promise((r) => ws.once('open', r));
      let ack = 0;
      while (performance.now() < end) {
        const start = performance.now();
        const frame = batch.replace('"ename"', `"ack":${++ack},"ename"`);
        await new Promise<void>((resolve) => {
          ws.once('message', () => resolve());
          ws.send(frame);
        });
        latencies.push(performance.now() - start);
      }
      ws.close();
    }),
  );
  return summarise(name, latencies, performance.now() - t0, 100);
}

function summarise(name: string, latencies: number[], ms: number, events: number): Result {
  const sorted = [...latencies].sort((a, b) => a - b);
  const rps = (latencies.length / ms) * 1000;
  return { name, rps, p50: pct(sorted, 0.5), p99: pct(sorted, 0.99), events: rps * events };
}

function peakRssMb(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

async function withServer<T>(
  mode: string,
  run: (port: number) => Promise<T>,
): Promise<{ result: T; rssMb: number }> {
  const cwd = mkdtempSync(join(tmpdir(), `bench-${mode}-`));
  const child = fork(new URL(import.meta.url).pathname, ['--serve', mode], {
    cwd,
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const port = await new Promise<number>((resolve) =>
    child.once('message', (m: { port: number }) => resolve(m.port)),
  );
  const result = await run(port);
  const rssMb = peakRssMb(child.pid ?? 0);
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  return { result, rssMb };
}

async function main(): Promise<void> {
  const hello = await withServer('hello', (port) => httpLoad('fastify hello-world GET /', port, 'GET', '/'));
  const ingest = await withServer('ingest', async (port) => [
    await httpLoad('POST /tr/v1/tr/ (1 event, durable ack)', port, 'POST', '/tr/v1/tr/', single),
    await httpLoad(
      'POST /tr/v1/str/ (100-event array, durable ack)',
      port,
      'POST',
      '/tr/v1/str/',
      batch,
      100,
    ),
    await wsLoad('WebSocket 100-event frame, ack when durable', port),
  ]);
  const rows = [hello.result, ...ingest.result];
  console.log(
    `HTTP bench: ${DURATION_MS} ms per scenario, ${CONCURRENCY} concurrent clients, Node ${process.version}`,
  );
  console.table(
    rows.map((r) => ({
      scenario: r.name,
      'req/s': Math.round(r.rps),
      'events/s': Math.round(r.events),
      'p50 ms': r.p50.toFixed(2),
      'p99 ms': r.p99.toFixed(2),
      'vs hello-world req/s': (r.rps / hello.result.rps).toFixed(3),
    })),
  );
  console.log(`peak RSS: hello-world ${hello.rssMb.toFixed(0)} MB, ingest ${ingest.rssMb.toFixed(0)} MB`);
}

const serveAt = process.argv.indexOf('--serve');
if (serveAt >= 0) await serve(process.argv[serveAt + 1] ?? 'hello');
else await main();
