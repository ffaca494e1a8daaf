// The ingest half of `make bench`: the real ingest process (ingest/server.ts) and a bare Fastify POST
// server, each alone on core 1, under an external load generator alone on core 0. Every row is one load
// phase; its peak RSS is the server's highest resident size sampled during that phase (native engine
// threads included).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBareFastify, startClickHouseStand, startIngest } from './lib/ingest-server.ts';
import { openLoop } from './lib/loadgen.ts';
import type { Running } from './lib/server.ts';
import { type LoadResult, nodeGenerator, wrk } from './lib/wrk.ts';

export const SERVER_CPU = 1;
export const LOAD_CPU = 0;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
/** How long a phase waits at most for the ingest's queue of `events` rows to be inserted after it. */
const DRAIN_TIMEOUT_MS = 120_000;

/**
 * BENCH_PHASES runs only the named load phases (comma-separated), so one phase can be measured or profiled
 * on its own: `<server>:<what>` with server bare, durable, nofsync or clickhouse and what a concurrency
 * (single events: `durable:64`), `b<conc>` (100-event batches: `durable:b64`), `half` (the open-loop row; it
 * needs the durable c64 row, which then runs too; `bare:half` loads bare Fastify at that rate, after the
 * durable rows, and needs `durable:half` named too) or `ws`. Unset: every phase. A server runs only when one
 * of its phases does.
 */
const PHASES = process.env.BENCH_PHASES?.split(',').map((p) => p.trim());
/** BENCH_CONFIG: JSON merged into the durable and fsync-off ingests' configuration, to compare a setting. */
const overrides = JSON.parse(process.env.BENCH_CONFIG ?? '{}') as Record<string, unknown>;
const wanted = (id: string): boolean =>
  PHASES === undefined || PHASES.includes(id) || (id === 'durable:64' && PHASES.includes('durable:half'));
const serverWanted = (server: string): boolean =>
  PHASES === undefined || PHASES.some((p) => p.startsWith(`${server}:`));

export interface BenchRow {
  readonly scenario: string;
  readonly server: string;
  readonly conc: number;
  readonly result: LoadResult;
  readonly eventsPerRequest: number;
  readonly peakRssMiB: number;
  /** req/s as a fraction of the bare Fastify POST at the same concurrency, where there is one. */
  ratio?: number;
  /**
   * On an ingest: the `events` rows its store took per second from the phase's start until its queue was
   * empty, the queue at the phase's end and how long after the phase it was empty (NaN: not in time).
   */
  readonly store?: { eventsPerSec: number; backlogAtEnd: number; emptiedAfterSec: number };
}

const single = JSON.stringify({ ename: 'bench_single', url: 'https://x.example/p', plan: 'pro' });
const batch = JSON.stringify(
  Array.from({ length: 100 }, (_, i) => ({ ename: 'bench_batch', n: i, url: 'https://x.example/p' })),
);
/** Runs `use` with `body` in a temporary file, removed afterwards. */
async function withBodyFile<T>(body: string, use: (file: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-body-'));
  try {
    const file = join(dir, 'body.json');
    writeFileSync(file, body);
    return await use(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Runs `load` while sampling the server's RSS; the row's peak is the highest sample. What the ingest
 * acknowledges is durable in its spool, which can run far ahead of its store: on an ingest the phase then
 * waits for its queue of `events` rows to empty (the store's last batch waits for its flush timer), the
 * RSS still sampled, so that no row measures the backlog of the one before it, and the row says how fast
 * the store took the phase's rows (`BenchRow.store`).
 */
async function phase(
  server: Running,
  row: Omit<BenchRow, 'result' | 'peakRssMiB'>,
  load: () => Promise<LoadResult>,
): Promise<BenchRow> {
  let peak = server.rssMiB();
  const sampler = setInterval(() => {
    peak = Math.max(peak, server.rssMiB());
  }, 100);
  try {
    const before = await server.eventRows?.();
    const started = performance.now();
    const result = await server.profiled(load);
    const seconds = (performance.now() - started) / 1000;
    const after = await server.eventRows?.();
    if (result.errors > 0) process.stderr.write(`${row.scenario}: ${result.errors} failed requests\n`);
    const store = before && after && (await intoStore(server, before, after, seconds));
    return { ...row, result, peakRssMiB: Math.max(peak, server.rssMiB()), ...(store && { store }) };
  } finally {
    clearInterval(sampler);
  }
}

type EventRows = { accepted: number; queued: number };

/**
 * Rows the store took per second from the phase's start until its queue was empty: the phase's accepted
 * rows and the queue it started with, over the phase and the wait after it. Counted from the ingest's own
 * counters; the queue shrinks a whole batch at a time, so a rate over the phase alone would count batches.
 */
async function intoStore(server: Running, before: EventRows, after: EventRows, seconds: number) {
  const rows = after.accepted - before.accepted + before.queued;
  const ended = performance.now();
  const deadline = ended + DRAIN_TIMEOUT_MS;
  let queued = after.queued;
  while (queued > 0 && performance.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    queued = (await server.eventRows?.())?.queued ?? 0;
  }
  const emptiedAfterSec = queued > 0 ? Number.NaN : (performance.now() - ended) / 1000;
  if (queued > 0)
    process.stderr.write(`${queued} events rows still queued ${DRAIN_TIMEOUT_MS / 1000} s after the phase\n`);
  return { eventsPerSec: rows / (seconds + emptiedAfterSec), backlogAtEnd: after.queued, emptiedAfterSec };
}

const post =
  (server: Running, path: string, body: string, connections: number, seconds = SECONDS) =>
  () =>
    wrk({
      url: `http://127.0.0.1:${server.port}${path}`,
      method: 'POST',
      body,
      connections,
      seconds,
      cpu: LOAD_CPU,
    });

async function withServer<T>(server: Promise<Running>, run: (s: Running) => Promise<T>): Promise<T> {
  const s = await server;
  try {
    // Unmeasured warm-up: compiled code, open segments and the first batch insert are not part of a row.
    await post(s, '/tr/v1/tr/', single, 16, 2)();
    return await run(s);
  } finally {
    await s.stop();
  }
}

async function httpSuite(
  s: Running,
  server: string,
  key: string,
  concs: readonly number[],
  batches: readonly number[],
) {
  const rows: BenchRow[] = [];
  for (const conc of concs.filter((c) => wanted(`${key}:${c}`)))
    rows.push(
      await phase(
        s,
        { scenario: 'POST 1 event', server, conc, eventsPerRequest: 1 },
        post(s, '/tr/v1/tr/', single, conc),
      ),
    );
  for (const conc of batches.filter((c) => wanted(`${key}:b${c}`)))
    rows.push(
      await phase(
        s,
        { scenario: 'POST 100 events', server, conc, eventsPerRequest: 100 },
        post(s, '/tr/v1/str/', batch, conc),
      ),
    );
  return rows;
}

/** Open-loop single events at half the rate the durable ingest sustained closed-loop at 64 connections. */
async function halfLoad(s: Running, server: string, full: BenchRow | undefined): Promise<BenchRow[]> {
  if (full === undefined) return [];
  // BENCH_HALF_RATE fixes the rate, so that runs of two builds on a noisy machine load them alike.
  const fixed = Number(process.env.BENCH_HALF_RATE ?? 0);
  return [await atRate(s, server, fixed > 0 ? fixed : Math.max(1, Math.round(full.result.rps / 2)))];
}

async function atRate(s: Running, server: string, rate: number): Promise<BenchRow> {
  const url = `http://127.0.0.1:${s.port}/tr/v1/tr/`;
  return withBodyFile(single, (bodyFile) =>
    phase(s, { scenario: `POST 1 event at ${rate}/s (half)`, server, conc: 64, eventsPerRequest: 1 }, () =>
      openLoop({ url, rate, seconds: SECONDS, connections: 64, bodyFile, cpu: LOAD_CPU }),
    ),
  );
}

async function webSocket(s: Running, server: string, conc: number): Promise<BenchRow> {
  const args = [`ws://127.0.0.1:${s.port}/tr/v1/ws`, String(conc), String(SECONDS), '100'];
  return phase(s, { scenario: 'WebSocket 100-event frame', server, conc, eventsPerRequest: 100 }, () =>
    nodeGenerator(LOAD_CPU, './ws-load.ts', args),
  );
}

export async function ingestRows(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  if (serverWanted('bare'))
    rows.push(
      ...(await withServer(startBareFastify(SERVER_CPU), (s) =>
        httpSuite(s, 'bare Fastify', 'bare', [1, 16, 64], [64]),
      )),
    );
  if (serverWanted('durable'))
    rows.push(
      ...(await withServer(startIngest('durable', SERVER_CPU, overrides), async (s) => {
        const singles = await httpSuite(s, 'ingest, durable', 'durable', [1, 16, 64], []);
        const full = singles.find((r) => r.conc === 64);
        // Half load right after the 64-connection row whose rate it halves.
        const half = wanted('durable:half') ? await halfLoad(s, 'ingest, durable', full) : [];
        return [
          ...singles,
          ...half,
          ...(await httpSuite(s, 'ingest, durable', 'durable', [], [16, 64])),
          ...(wanted('durable:ws') ? [await webSocket(s, 'ingest, durable', 16)] : []),
        ];
      })),
    );
  // Bare Fastify at the half-load rate: the floor of the open-loop generator's own latency.
  const half = rows.find((r) => r.scenario.endsWith('(half)'));
  if (half && wanted('bare:half'))
    rows.push(
      await withServer(startBareFastify(SERVER_CPU), (s) =>
        atRate(s, 'bare Fastify', Number(/at (\d+)\/s/.exec(half.scenario)?.[1])),
      ),
    );
  const noSync = { ...overrides, spool: { ...(overrides.spool as object | undefined), fsync: false } };
  if (serverWanted('nofsync'))
    rows.push(
      ...(await withServer(startIngest('no-fsync', SERVER_CPU, noSync), (s) =>
        httpSuite(s, 'ingest, spool fsync off', 'nofsync', [1, 64], [64]),
      )),
    );
  if (serverWanted('clickhouse')) rows.push(...(await clickhouseStore()));
  for (const r of rows) {
    const bare = rows.find(
      (b) => b.server === 'bare Fastify' && b.conc === r.conc && b.eventsPerRequest === r.eventsPerRequest,
    );
    if (bare && r.server !== 'bare Fastify' && !r.scenario.includes('half'))
      r.ratio = r.result.rps / bare.result.rps;
  }
  return rows;
}

/** The same ingest on the clickhouse store: a ClickHouse HTTP stand-in process on the load core. */
async function clickhouseStore(): Promise<BenchRow[]> {
  const stand = await startClickHouseStand(LOAD_CPU);
  try {
    const store = { store: { kind: 'clickhouse', url: stand.url, database: 'tracker' } };
    return await withServer(startIngest('clickhouse', SERVER_CPU, store), (s) =>
      httpSuite(s, 'ingest, clickhouse store', 'clickhouse', [64], [64]),
    );
  } finally {
    await stand.stop();
  }
}
