// `make bench` (destinations): the ingest's own acknowledgement latency with no destination, with a
// Facebook destination whose Graph API (a local test double) answers each request only after 2 s, and
// with one whose Graph API is down (connection refused). Every event carries the marketing bit, so each
// one is queued for the destination. Forwarding is fed from the spool and runs on its own loop, so the
// p50/p99 of POST /tr/v1/tr/ should not move; the numbers are printed, never asserted. Each ingest runs
// in its own child process; the Graph API test double runs here (it only sleeps and answers).
import { fork } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startReceiverDouble } from '../ingest/destinations/testing/receiver-double.ts';
import { percentile } from './lib/stats.ts';

const DURATION_MS = Number(process.env.BENCH_MS ?? 5000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const body = JSON.stringify({ ename: 'purchase', url: 'https://shop.example/p', email: 'ada@example.com' });

type Scenario = 'none' | 'slow' | 'down';

async function serve(scenario: Scenario, graphUrl: string): Promise<void> {
  const { startLive } = await import('../ingest/testing/live.ts');
  const dir = mkdtempSync(join(tmpdir(), 'bench-destinations-'));
  writeFileSync(join(dir, 'token'), 'EAAB-bench');
  const facebook = [
    {
      name: 'fb',
      pixelId: '1',
      accessTokenFile: join(dir, 'token'),
      graphApiUrl: graphUrl,
      delivery: { maxEventsPerRequest: 100, requestsPerSecond: 10 },
    },
  ];
  const destinations = { dir: join(dir, 'destinations'), facebook: scenario === 'none' ? [] : facebook };
  // Destinations are fed as the spool's batches are cut: the events table flushes every 200 ms here
  // (its default waits up to 10 s), the same in every scenario.
  const batching = { tables: { events: { strategy: 'time', maxDelayMs: 200 } } };
  const live = await startLive({ batching, destinations }, dir);
  process.send?.({ port: Number(new URL(live.url).port), opsPort: Number(new URL(live.opsUrl).port) });
}

async function load(port: number) {
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const latencies: number[] = [];
  const end = performance.now() + DURATION_MS;
  const headers = {
    'content-type': 'application/json',
    cookie: 'CookieConsent=7',
    'user-agent': 'bench/1.0',
  };
  const one = () =>
    new Promise<void>((resolve, reject) => {
      const t0 = performance.now();
      const req = request(
        { host: '127.0.0.1', port, method: 'POST', path: '/tr/v1/tr/', agent, headers },
        (res) => {
          res.resume();
          res.on('end', () => {
            if ((res.statusCode ?? 500) >= 300) reject(new Error(`HTTP ${res.statusCode}`));
            latencies.push(performance.now() - t0);
            resolve();
          });
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < end) await one();
    }),
  );
  const ms = performance.now() - t0;
  agent.destroy();
  const sorted = latencies.sort((a, b) => a - b);
  return { rps: (latencies.length / ms) * 1000, p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99) };
}

async function metric(port: number, pattern: RegExp): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return Number(pattern.exec(text)?.[1] ?? 0);
}

async function run(scenario: Scenario, graphUrl: string) {
  const cwd = mkdtempSync(join(tmpdir(), `bench-${scenario}-`));
  const child = fork(new URL(import.meta.url).pathname, ['--serve', scenario, graphUrl], {
    cwd,
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const { port, opsPort } = await new Promise<{ port: number; opsPort: number }>((resolve) =>
    child.once('message', (m: { port: number; opsPort: number }) => resolve(m)),
  );
  const result = await load(port);
  const queued = await metric(opsPort, /tracker_destination_queued_events_total\{destination="fb"\} (\d+)/);
  const sent = await metric(opsPort, /tracker_destination_sent_events_total\{destination="fb"\} (\d+)/);
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  return { ...result, queued, sent };
}

async function main(): Promise<void> {
  const slow = await startReceiverDouble({ delayMs: 2000 });
  const down = await startReceiverDouble();
  await down.stop();
  const rows = [];
  const scenarios = [
    ['none', 'no destination', slow.url],
    ['slow', 'Facebook destination answering after 2 s', slow.url],
    ['down', 'Facebook destination down (refused)', down.url],
  ] as const;
  // Twice, interleaved: on a shared machine the spread between two runs of one scenario is the noise.
  for (const [scenario, name, url] of [...scenarios, ...scenarios]) {
    const r = await run(scenario, url);
    rows.push({
      scenario: name,
      'req/s': Math.round(r.rps),
      'ack p50 ms': r.p50.toFixed(2),
      'ack p99 ms': r.p99.toFixed(2),
      'queued for fb': r.queued,
      'sent to fb': r.sent,
    });
  }
  await slow.stop();
  console.log(
    `Destinations bench: POST /tr/v1/tr/ (1 event, marketing consent), ${DURATION_MS} ms per scenario, ${CONCURRENCY} clients, Node ${process.version}`,
  );
  console.table(rows);
}

const serveAt = process.argv.indexOf('--serve');
if (serveAt >= 0)
  await serve((process.argv[serveAt + 1] ?? 'none') as Scenario, process.argv[serveAt + 2] ?? '');
else await main();
