// The disk spool alone, under the write pattern that makes fdatasync slow on a shared disk: 64 concurrent
// single-row appenders for SECONDS, a consumer taking and committing batches every 200 ms (as delivery
// does, so segments rotate and are deleted or recycled), and a child process writing 8 MB files without
// syncing them (as the embedded engine writes its parts). Prints appends/s and the append latency
// (queueing + write + fdatasync). Nothing is asserted.
//   node bench/spool.ts [ROOT] [SECONDS]   ROOT: a checkout whose spool to load (A/B runs), default this one
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { DiskSpool as DiskSpoolClass } from '../ingest/datapath/spool/disk.ts';

const root = resolve(process.argv[2] ?? join(import.meta.dirname, '..'));
const seconds = Number(process.argv[3] ?? 8);
const { DiskSpool } = (await import(join(root, 'ingest/datapath/spool/disk.ts'))) as {
  DiskSpool: typeof DiskSpoolClass;
};
const dir = mkdtempSync(join(tmpdir(), 'bench-spool-'));
const writer = spawn(
  'bash',
  ['-c', `while true; do head -c 8000000 /dev/urandom > ${dir}/parts.bin; sleep 0.05; done`],
  { stdio: 'ignore' },
);
const spool = await DiskSpool.open({
  dir: join(dir, 'spool'),
  maxBytes: 1 << 30,
  segmentBytes: 16 << 20,
  fsyncIntervalMs: 0,
  memoryBytes: 16 << 20,
  retryAfterSeconds: 5,
});
const log = await spool.log('events');
const row = Buffer.from(`${JSON.stringify({ eid: 'x'.repeat(36), payload: 'y'.repeat(700) })}\n`);
const latencies: number[] = [];
const end = performance.now() + seconds * 1000;
let stop = false;
const limits = { maxRows: 50_000, maxBytes: 32 << 20 };
const consumer = (async () => {
  while (!stop) {
    await new Promise((r) => setTimeout(r, 200));
    for (let b = await log.take(limits); b; b = await log.take(limits)) await log.commit(b);
  }
})();
await Promise.all(
  Array.from({ length: 64 }, async () => {
    while (performance.now() < end) {
      const t = performance.now();
      await log.append(row, 1);
      latencies.push(performance.now() - t);
    }
  }),
);
stop = true;
await consumer;
await spool.close();
writer.kill();
rmSync(dir, { recursive: true, force: true });
latencies.sort((a, b) => a - b);
const q = (f: number) =>
  (latencies[Math.min(latencies.length - 1, Math.floor(f * latencies.length))] ?? 0).toFixed(2);
console.log(
  `spool (${root}): ${Math.round(latencies.length / seconds)} appends/s; append latency ms ` +
    `p50 ${q(0.5)} p90 ${q(0.9)} p99 ${q(0.99)} max ${q(1)}`,
);
