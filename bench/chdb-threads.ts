// Where chdb runs a statement and what runs beside it: the facts the embedded store's way of issuing
// inserts rests on (bench/README.md, "chdb's calls and threads"). In one process, on the migrated schema:
// real `events` inserts (the store's statement and settings, bench/engine-rows.ts's rows) and a one-row
// insert into a table of its own, issued through chdb's async API from the main thread (on libuv's pool)
// and with the synchronous `Session.query` from worker threads, each worker with a connection of its
// own; and a file's stat on libuv's pool while inserts wait for their connection. Per scenario: each
// call's start and end, and the CPU each thread of the process used.
//   node bench/chdb-threads.ts ROWS_FILE
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

const now = () => performance.timeOrigin + performance.now();
const threadId = () => Number(readlinkSync('/proc/thread-self').split('/').pop());

interface Call {
  readonly label: string;
  readonly t0: number;
  readonly t1: number;
}

if (!isMainThread) {
  const { Session } = await import('chdb');
  const { path, args } = workerData as { path: string; args: string[] };
  const session = new Session(path, { connectionArgs: args });
  parentPort?.postMessage({ tid: threadId() });
  parentPort?.on('message', (m: { label: string; sql: string }) => {
    const t0 = now();
    session.query(m.sql);
    parentPort?.postMessage({ label: m.label, t0, t1: now() } satisfies Call);
  });
} else {
  await main();
}

/** CPU ms per thread (utime + stime), with the thread's name. */
function cpu(): Map<number, { name: string; ms: number }> {
  const out = new Map<number, { name: string; ms: number }>();
  for (const e of readdirSync('/proc/self/task')) {
    try {
      const st = readFileSync(`/proc/self/task/${e}/stat`, 'utf8');
      const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
      const name = readFileSync(`/proc/self/task/${e}/comm`, 'utf8').trim();
      out.set(Number(e), { name, ms: (Number(f[11]) + Number(f[12])) * 10 });
    } catch {
      // ended meanwhile
    }
  }
  return out;
}

async function main(): Promise<void> {
  const [rowsFile = '/tmp/engine-rows.jsonl'] = process.argv.slice(2);
  const { applyMigrations } = await import('../schema/index.ts');
  const { EMBEDDED_INSERT_SETTINGS, ENGINE_ARGS, openEngineSession } = await import('../store/embedded.ts');
  const { insertFromFileSql } = await import('../store/insert-file.ts');
  const dir = mkdtempSync(join(tmpdir(), 'bench-chdb-threads-'));
  const path = join(dir, 'data');
  // libuv's pool, started and named before the engine renames the threads it runs on
  await Promise.all([1, 2, 3, 4].map(() => stat(dir)));
  const pool = new Set([...cpu()].filter(([, t]) => t.name === 'libuv-worker').map(([tid]) => tid));
  const args = [...ENGINE_ARGS];
  const { session } = await openEngineSession(path, args);
  const command = async (sql: string) => void (await session.queryAsync(sql));
  await command('CREATE DATABASE IF NOT EXISTS tracker');
  await command('USE tracker');
  await applyMigrations(
    { command, query: async () => [] } as never,
    {
      database: 'tracker',
      retention: { defaultDays: 0, tables: {} },
    } as never,
  );
  await command('CREATE TABLE tracker.probe (a UInt32) ENGINE = MergeTree ORDER BY a');
  await command('SYSTEM STOP MERGES');

  const workers: { worker: Worker; tid: number }[] = [];
  for (let i = 0; i < 2; i++) {
    const worker = new Worker(new URL(import.meta.url), { workerData: { path, args } });
    const { tid } = await new Promise<{ tid: number }>((r) => worker.once('message', r));
    workers.push({ worker, tid });
  }
  let n = 0;
  const events = () =>
    insertFromFileSql('tracker.events', rowsFile, {
      ...EMBEDDED_INSERT_SETTINGS,
      insert_deduplication_token: `e${n++}`,
    });
  const small = () => `INSERT INTO tracker.probe SETTINGS insert_deduplication_token = 's${n++}' VALUES (1)`;
  const onWorker = (i: number, label: string, sql: string) =>
    new Promise<Call>((resolve) => {
      const w = workers[i]?.worker as Worker;
      const onMessage = (c: Call) => {
        if (c.label !== label) return;
        w.off('message', onMessage);
        resolve(c);
      };
      w.on('message', onMessage);
      w.postMessage({ label, sql });
    });
  const onPool = async (label: string, sql: string): Promise<Call> => {
    const t0 = now();
    await session.queryAsync(sql);
    return { label, t0, t1: now() };
  };
  const statOnPool = async (file: string): Promise<Call> => {
    const t0 = now();
    await stat(file);
    return { label: 'stat (pool)', t0, t1: now() };
  };
  const after = async (ms: number, call: () => Promise<Call>) => {
    await new Promise((r) => setTimeout(r, ms));
    return call();
  };
  const roles = new Map<number, string>([[process.pid, 'main']]);
  for (const tid of pool) roles.set(tid, 'libuv pool');
  for (const [i, w] of workers.entries()) roles.set(w.tid, `worker ${i}`);

  async function scenario(name: string, calls: (() => Promise<Call>)[]): Promise<void> {
    const c0 = cpu();
    const base = now();
    const done = await Promise.all(calls.map((c) => c()));
    const c1 = cpu();
    console.log(`\n${name} (wall ${(now() - base).toFixed(0)} ms, load ${loadavg()[0]?.toFixed(2)})`);
    for (const c of done) {
      console.log(
        `  ${c.label}: +${(c.t0 - base).toFixed(0)} → +${(c.t1 - base).toFixed(0)} ms (${(c.t1 - c.t0).toFixed(0)} ms)`,
      );
    }
    const used = [...c1]
      .map(([tid, t]) => ({ tid, ...t, ms: t.ms - (c0.get(tid)?.ms ?? 0) }))
      .filter((t) => t.ms >= 20)
      .sort((a, b) => b.ms - a.ms);
    const sum = used.reduce((s, t) => s + t.ms, 0);
    console.log(
      `  CPU ${sum} ms: ${used.map((t) => `${t.tid} ${roles.get(t.tid) ?? t.name} ${t.ms}`).join(', ')}`,
    );
  }

  const rounds = Number(process.env.ROUNDS ?? 2);
  for (let r = 0; r < rounds; r++) {
    await scenario('events insert, async from main', [() => onPool('events (pool)', events())]);
    await scenario('events insert, sync on worker 0', [() => onWorker(0, 'events (worker 0)', events())]);
    await scenario('events insert on worker 0; a one-row insert on worker 1 100 ms later', [
      () => onWorker(0, 'events (worker 0)', events()),
      () => after(100, () => onWorker(1, 'one row (worker 1)', small())),
    ]);
    await scenario('events insert on worker 0; a one-row insert async from main 100 ms later', [
      () => onWorker(0, 'events (worker 0)', events()),
      () => after(100, () => onPool('one row (pool)', small())),
    ]);
    await scenario('events insert async from main; a one-row insert async from main 100 ms later', [
      () => onPool('events (pool)', events()),
      () => after(100, () => onPool('one row (pool)', small())),
    ]);
    await scenario('events inserts on worker 0 and worker 1 at once', [
      () => onWorker(0, 'events (worker 0)', events()),
      () => onWorker(1, 'events (worker 1)', events()),
    ]);
    await scenario(
      "four events inserts async from main at once; a file's stat on libuv's pool 100 ms later",
      [
        () => onPool('events (pool a)', events()),
        () => onPool('events (pool b)', events()),
        () => onPool('events (pool c)', events()),
        () => onPool('events (pool d)', events()),
        () => after(100, () => statOnPool(dir)),
      ],
    );
    await scenario('events inserts, two async from main at once', [
      () => onPool('events (pool a)', events()),
      () => onPool('events (pool b)', events()),
    ]);
  }
  rmSync(dir, { recursive: true, force: true });
  process.exit(0);
}
