// Data path benchmark (make bench): durable spool (group-commit fsync) + embedded chdb store.
// Prints events/s and append-to-ack latency (p50/p99) for appends of 1 and of 100 rows, the time to
// drain to the store, and peak RSS. Numbers are printed, never asserted.
//   node bench/datapath.bench.ts [--seconds 5] [--concurrency 64]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseConfig } from '../ingest/config.ts';
import { createDataPath } from '../ingest/datapath/index.ts';
import type { Row } from '../store/index.ts';

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '5' }, concurrency: { type: 'string', default: '64' } },
});
const seconds = Number(values.seconds);
const concurrency = Number(values.concurrency);
const root = mkdtempSync(join(tmpdir(), 'tracker-bench-'));

let peakRss = 0;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 20);

let seq = 0;
function event(): Row {
  const i = seq++;
  return {
    eid: crypto.randomUUID(),
    vid: `018f0000-0000-7000-8000-${String(i % 10_000).padStart(12, '0')}`,
    oid: '018f0000-0000-7000-8000-000000000000',
    ename: 'page_view',
    etyp: 'view',
    url: `https://example.com/p/${i % 500}`,
    last: 'https://google.com/',
    ip: '203.0.113.0',
    browser: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0',
    country: 'DE',
    created_at: new Date().toISOString(),
    params: { campaign: 'spring', n: i },
  };
}

async function run(batchSize: number): Promise<void> {
  const name = `b${batchSize}`;
  const dp = await createDataPath(
    parseConfig({
      store: { kind: 'embedded', path: join(root, 'chdb'), database: `bench_${name}` },
      spool: { dir: join(root, `spool_${name}`) },
    }),
  );
  const latencies: number[] = [];
  let rows = 0;
  const end = performance.now() + seconds * 1000;
  const worker = async () => {
    while (performance.now() < end) {
      const batch = Array.from({ length: batchSize }, event);
      const t0 = performance.now();
      await dp.append('events', batch);
      latencies.push(performance.now() - t0);
      rows += batchSize;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = (performance.now() - started) / 1000;
  const drainStart = performance.now();
  await dp.close(120_000);
  const drain = (performance.now() - drainStart) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0;
  console.log(
    `batch ${String(batchSize).padStart(3)}: ${Math.round(rows / elapsed).toLocaleString('en')} events/s ` +
      `(${latencies.length.toLocaleString('en')} appends, ${concurrency} concurrent) · append→ack ` +
      `p50 ${pct(0.5).toFixed(2)} ms, p99 ${pct(0.99).toFixed(2)} ms · drain ${drain.toFixed(2)} s`,
  );
}

console.log(
  `data path bench: durable disk spool + embedded chdb, ${seconds} s per case, node ${process.version}`,
);
await run(1);
await run(100);
clearInterval(sampler);
console.log(
  `peak RSS ${(Math.max(peakRss, process.resourceUsage().maxRSS * 1024) / 1024 / 1024).toFixed(0)} MiB`,
);
rmSync(root, { recursive: true, force: true });
