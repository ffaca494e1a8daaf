// Do reads hold up the data path's inserts? (make bench). On the embedded engine, inserts of 100 rows run
// back to back for a fixed time, three ways: alone; while heavy reads run back to back on the read-only
// connection (what the SQL endpoint and the dashboard use); and, for comparison, while the same reads run
// on the writer's own connection. Prints how many inserts completed in that time and their latency
// (p50/p99/max). Numbers are printed, never asserted.
//   node bench/reads.bench.ts [--seconds 15] [--read-threads 1]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { EmbeddedStore, openReader, type SqlReader } from '../store/index.ts';
import { percentile } from './lib/stats.ts';

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '15' }, 'read-threads': { type: 'string', default: '1' } },
});
const seconds = Number(values.seconds);
const root = mkdtempSync(join(tmpdir(), 'tracker-bench-reads-'));
// A scan of 60 million numbers: about a second of one idle core's work.
const HEAVY = 'SELECT count() FROM numbers(60000000) WHERE sipHash64(number) % 7 = 3';

const store = await EmbeddedStore.open({ path: join(root, 'chdb'), database: 'bench' });
await store.command('CREATE TABLE t (id UUID, n UInt64, s String) ENGINE = MergeTree ORDER BY id');
const reader: SqlReader = await openReader({
  path: join(root, 'chdb'),
  database: 'bench',
  limits: {
    maxExecutionTimeS: 600,
    maxResultBytes: 1 << 30,
    maxMemoryBytes: 1 << 30,
    maxThreads: Number(values['read-threads']),
    maxQueued: 4,
  },
});

const rows = () =>
  Array.from({ length: 100 }, (_, n) => ({ id: crypto.randomUUID(), n, s: 'x'.repeat(200) }));

/** Inserts back to back for `seconds`; the latencies of those that completed in time, sorted. */
async function timeInserts(): Promise<number[]> {
  const ms: number[] = [];
  const end = performance.now() + seconds * 1000;
  const loop = (async () => {
    while (performance.now() < end) {
      const t0 = performance.now();
      await store.insert('t', rows(), { dedupToken: crypto.randomUUID() });
      ms.push(performance.now() - t0);
    }
  })();
  // An insert stuck behind reads may not return within the window: count only what completed.
  await Promise.race([loop, new Promise((r) => setTimeout(r, seconds * 1000 + 1000))]);
  return [...ms].sort((a, b) => a - b);
}

/** Runs `read` back to back for `seconds` (one more may finish after); returns how many completed. */
async function readLoop(read: () => Promise<unknown>): Promise<number> {
  const end = performance.now() + seconds * 1000;
  let n = 0;
  while (performance.now() < end) {
    await read();
    n++;
  }
  return n;
}

function line(name: string, ms: number[], reads?: number): void {
  const lat = `p50 ${percentile(ms, 0.5).toFixed(1)} ms, p99 ${percentile(ms, 0.99).toFixed(1)} ms, max ${(ms.at(-1) ?? 0).toFixed(1)} ms`;
  const during = reads === undefined ? '' : `; ${reads} heavy reads ran meanwhile`;
  console.log(
    `${name.padEnd(34)} ${String(ms.length).padStart(5)} inserts of 100 rows in ${seconds} s: ${lat}${during}`,
  );
}

line('no reads', await timeInserts());
for (const [name, read] of [
  ['reads on the read-only connection', () => reader.read(HEAVY, { format: 'TSV' })],
  ["reads on the writer's connection", () => store.query(HEAVY)],
] as const) {
  const [ms, reads] = await Promise.all([timeInserts(), readLoop(read)]);
  line(name, ms, reads);
}
await reader.close();
await store.close();
rmSync(root, { recursive: true, force: true });
