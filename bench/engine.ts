// The embedded engine's cost per `events` insert, in a process of its own: the store's way of inserting
// (the body in a file, `INSERT … FROM INFILE`, the store's settings for `events`; `set:` overrides them)
// of real rows (bench/engine-rows.ts) into the schema the migrations leave, with its materialized views.
// The engine runs as a library (chdb): it keeps no query_log, query_views_log or processors_profile_log,
// so what an insert costs is read from the process (CPU of every thread but the main one, RSS and
// anonymous RSS sampled during each insert and over the whole run), the engine's debug log (each query's
// and each merge's peak memory) and its global ProfileEvents (system.events) before and after each insert.
// Background merges are stopped, so each insert's numbers are its own, unless `merges` is named.
//   node bench/engine.ts ROWS_FILE VARIANT [INSERTS]
// VARIANT: `base`; `noviews` (every view dropped); `only:<view>` (every other view dropped); `null` (the
// rows parsed into a Null table of the same columns, nothing written); `set:k=v,k=v` (insert settings
// beside the store's); `sql:FILE` (statements run after the migrations, `;` at a line's end); `merges`
// (background merges left running). Joined with `+`. Prints a line per insert and one JSON line of
// medians; BENCH_EVENTS=1 also prints the ProfileEvents per row that changed. BENCH_LOG=0 turns the debug
// log off (it costs ~1.5 µs per row), BENCH_LOG_COPY=FILE keeps it; BENCH_ENGINE_ARGS and BENCH_MERGE_TREE
// add server and MergeTree settings; JE_MALLOC_CONF, when set, replaces the store's allocator settings.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyMigrations } from '../schema/index.ts';
import {
  EMBEDDED_INSERT_SETTINGS,
  EMBEDDED_MERGE_TREE,
  EMBEDDED_TABLE_INSERT_SETTINGS,
  ENGINE_ARGS,
  ENGINE_MERGE_TREE,
  openEngineSession,
} from '../store/embedded.ts';
import { InsertFiles, insertFromFileSql } from '../store/insert-file.ts';
import { parseJsonEachRow } from '../store/sql.ts';

const [rowsFile = '/tmp/engine-rows.jsonl', variant = 'base', insertsText = '6'] = process.argv.slice(2);
const body = readFileSync(rowsFile);
const ROWS = body.toString().split('\n').filter(Boolean).length;
const DB = 'tracker';

const dir = mkdtempSync(join(tmpdir(), 'bench-engine-'));
mkdirSync(dir, { recursive: true });
const log = join(dir, 'engine.log');
// BENCH_MERGE_TREE (`k=v,k=v`) adds MergeTree settings beside the store's, for every table.
const moreMergeTree = Object.fromEntries(
  (process.env.BENCH_MERGE_TREE ?? '')
    .split(',')
    .filter(Boolean)
    .map((kv) => kv.split('=')),
);
const mergeTree = Object.entries({ ...ENGINE_MERGE_TREE, ...EMBEDDED_MERGE_TREE, ...moreMergeTree }).map(
  ([k, v]) => `<${k}>${v}</${k}>`,
);
const config = join(dir, 'engine.xml');
writeFileSync(config, `<clickhouse><merge_tree>${mergeTree.join('')}</merge_tree></clickhouse>\n`);
// The debug log names each query's peak memory; it costs ~1.5 µs per row, so BENCH_LOG=0 leaves it off.
const LOG = process.env.BENCH_LOG !== '0';
const logArgs = LOG ? ['--logger.level=debug', `--logger.log=${log}`] : [];
// BENCH_ENGINE_ARGS (space-separated `--name=value`) adds server settings beside the store's ENGINE_ARGS.
const moreArgs = process.env.BENCH_ENGINE_ARGS?.split(' ').filter(Boolean) ?? [];
const args = [...ENGINE_ARGS, ...moreArgs, `--config-file=${config}`, ...logArgs];
const { session } = await openEngineSession(join(dir, 'data'), args);
const runner = {
  command: async (sql: string) => void (await session.queryAsync(sql)),
  query: async <T>(sql: string) =>
    parseJsonEachRow<T>((await session.queryAsync(sql, { format: 'JSONEachRow' })).text()),
};
await runner.command(`CREATE DATABASE IF NOT EXISTS ${DB}`);
await runner.command(`USE ${DB}`);
await applyMigrations(runner as never, { database: DB, retention: { defaultDays: 0, tables: {} } as never });

const views = (
  await runner.query<{ name: string }>(
    `SELECT name FROM system.tables WHERE database = '${DB}' AND engine = 'MaterializedView' AND has(dependencies_table, 'events') = 0 AND create_table_query LIKE '%FROM ${DB}.events%'`,
  )
).map((v) => v.name);
let table = 'events';
let merges = false;
const extra: Record<string, string | number> = {};
for (const part of variant.split('+')) {
  if (part === 'noviews' || part.startsWith('only:')) {
    const keep = part.slice('only:'.length);
    for (const v of views) if (v !== keep) await runner.command(`DROP TABLE ${DB}.${v}`);
  } else if (part === 'null') {
    await runner.command(`CREATE TABLE ${DB}.events_null AS ${DB}.events ENGINE = Null`);
    table = 'events_null';
  } else if (part.startsWith('set:')) {
    for (const kv of part.slice(4).split(',')) {
      const [k, v = ''] = kv.split('=');
      extra[k as string] = /^\d+$/.test(v) ? Number(v) : v;
    }
  } else if (part.startsWith('sql:')) {
    const text = readFileSync(part.slice(4), 'utf8').replaceAll('{{db}}', DB);
    for (const sql of text
      .split(/;\s*$/m)
      .map((s) => s.replace(/^--.*$/gm, '').trim())
      .filter(Boolean)) {
      await runner.command(sql);
    }
  } else if (part === 'merges') merges = true;
  else if (part !== 'base') throw new Error(`unknown variant part ${part}`);
}
if (!merges) await runner.command('SYSTEM STOP MERGES');
const left = (
  await runner.query<{ name: string }>(
    `SELECT name FROM system.tables WHERE database = '${DB}' AND engine = 'MaterializedView' AND create_table_query LIKE '%FROM ${DB}.events%'`,
  )
).map((v) => v.name);

async function profileEvents(): Promise<Map<string, number>> {
  const rows = await runner.query<{ event: string; value: string }>('SELECT event, value FROM system.events');
  return new Map(rows.map((r) => [r.event, Number(r.value)]));
}
const hwm = () => Number(/VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]) / 1024;
const resetHwm = () => writeFileSync('/proc/self/clear_refs', '5');
/** Anonymous resident memory, MiB (the engine's and V8's; VmHWM also counts the engine's code). */
const anon = () => Number(/RssAnon:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]) / 1024;
/** The highest RSS and anonymous RSS over the whole run, inserts and the merges between them. */
const whole = { rss: 0, anon: 0 };
const rssNow = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]) / 1024;
const wholeTimer = setInterval(() => {
  whole.rss = Math.max(whole.rss, rssNow());
  whole.anon = Math.max(whole.anon, anon());
}, 10);
/** The highest anonymous RSS while `run` runs, sampled every 5 ms (the insert runs off the main thread). */
async function anonPeak<T>(run: () => Promise<T>): Promise<{ value: T; peak: number }> {
  let peak = anon();
  const timer = setInterval(() => {
    peak = Math.max(peak, anon());
  }, 5);
  try {
    const value = await run();
    return { value, peak: Math.max(peak, anon()) };
  } finally {
    clearInterval(timer);
  }
}
const logSize = () => (LOG ? statSync(log).size : 0);
/** The highest query peak the log names after `from` (the insert's: the other queries are small). */
function peakSince(from: number): number {
  if (!LOG) return 0;
  const text = readFileSync(log).subarray(from).toString();
  const unit: Record<string, number> = { B: 1 / 2 ** 20, KiB: 1 / 1024, MiB: 1, GiB: 1024 };
  const found = [...text.matchAll(/Query peak memory usage: ([\d.]+) (\w+)/g)];
  return Math.max(0, ...found.map(([, n, u]) => Number(n) * (unit[u as string] ?? 1)));
}

const files = new InsertFiles(join(dir, 'data'));
const settings = { ...EMBEDDED_INSERT_SETTINGS, ...EMBEDDED_TABLE_INSERT_SETTINGS.events, ...extra };
const results: { cpu: number; ms: number; peak: number; rss: number; anon: number; anon0: number }[] = [];
const events = new Map<string, number>();
console.log(
  `variant ${variant}: ${ROWS} rows a insert, views ${left.join(' ') || 'none'}, settings ${JSON.stringify(extra)}, JE_MALLOC_CONF ${process.env.JE_MALLOC_CONF}, merge tree ${JSON.stringify(moreMergeTree)}, engine args ${moreArgs.join(' ')}, load ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
for (let i = 0; i < Number(insertsText); i++) {
  const before = await profileEvents();
  const from = logSize();
  resetHwm();
  const cpu0 = process.cpuUsage();
  const main0 = process.threadCpuUsage();
  const t0 = performance.now();
  const token = `bench-${i}`;
  const anon0 = anon();
  const { peak: anonAt } = await anonPeak(() =>
    files.with(body, (file) =>
      session.queryAsync(
        insertFromFileSql(`${DB}.${table}`, file, { ...settings, insert_deduplication_token: token }),
      ),
    ),
  );
  const ms = performance.now() - t0;
  const all = process.cpuUsage(cpu0);
  const main = process.threadCpuUsage(main0);
  const cpu = (all.user + all.system - main.user - main.system) / ROWS;
  const after = await profileEvents();
  if (i > 0) for (const [k, v] of after) events.set(k, (events.get(k) ?? 0) + v - (before.get(k) ?? 0));
  const r = { cpu, ms, peak: peakSince(from), rss: hwm(), anon: anonAt, anon0 };
  results.push(r);
  console.log(
    `insert ${i}: engine ${cpu.toFixed(1)} µs/row, ${ms.toFixed(0)} ms, query peak ${r.peak.toFixed(1)} MiB, RSS peak ${r.rss.toFixed(0)} MiB, anon ${anon0.toFixed(0)} → peak ${anonAt.toFixed(0)} MiB`,
  );
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const rest = results.slice(1);
const summary = {
  variant,
  cpu: median(rest.map((r) => r.cpu)),
  ms: median(rest.map((r) => r.ms)),
  peak: median(rest.map((r) => r.peak)),
  rss: median(rest.map((r) => r.rss)),
  anon: median(rest.map((r) => r.anon)),
  anon0: median(rest.map((r) => r.anon0)),
  runRss: whole.rss,
  runAnon: whole.anon,
  load: loadavg()[0],
};
if (process.env.BENCH_EVENTS) {
  const n = ROWS * rest.length;
  for (const [k, v] of [...events].filter(([, v]) => v !== 0).sort((a, b) => b[1] - a[1])) {
    console.log(`  ${k}: ${(v / n).toFixed(3)} per row`);
  }
}
clearInterval(wholeTimer);
console.log(JSON.stringify(summary));
session.close();
files.remove();
// BENCH_LOG_COPY keeps the engine's debug log (merges' and queries' memory) for reading afterwards.
if (LOG && process.env.BENCH_LOG_COPY) copyFileSync(log, process.env.BENCH_LOG_COPY);
rmSync(dir, { recursive: true, force: true });
