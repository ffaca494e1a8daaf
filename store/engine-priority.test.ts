// Acknowledgements ahead of the engine: every thread but the event loop's, V8's and libuv's pool gets the
// engine's nice value, and in the idle class its scheduling policy (SCHED_IDLE), taken back on demand.
import { readFile } from 'node:fs/promises';
import { getPriority, setPriority } from 'node:os';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { idleClass, libuvPoolThreads, lowerEngineThreads } from './engine-priority.ts';
import { loadSched, SCHED_IDLE, SCHED_OTHER, type Sched } from './native/sched.ts';
import { policyOf, type Thread, threads } from './testing/threads.ts';

const linux = process.platform === 'linux';
// relative to the process's own priority: the tests may run under nice
const base = getPriority(process.pid);
const target = Math.min(base + 4, 18);
/** A thread of the process none of the kept kinds: stands in for the engine's. */
let worker: Worker | undefined;

beforeAll(async () => {
  if (!linux) return;
  worker = new Worker('setInterval(() => {}, 1000)', { eval: true });
  await new Promise((resolve) => worker?.once('online', resolve));
});

afterAll(async () => {
  await worker?.terminate();
});

/** Threads of the process that are neither the event loop, V8's, nor in `keep`. */
const others = (keep: ReadonlySet<number>) =>
  threads().filter((t) => t.tid !== process.pid && !t.name.startsWith('V8') && !keep.has(t.tid));

it.runIf(linux)('lowers every thread but the event loop, V8 helpers and those kept', async () => {
  // libuv starts its pool on the first call that needs it
  await readFile(import.meta.filename);
  const before = threads();
  const pool = before.filter((t) => t.name === 'libuv-worker');
  expect(pool.length).toBeGreaterThan(1);
  // a thread already below the target keeps its own lower priority
  const already = pool[0] as Thread;
  setPriority(already.tid, 19);
  const kept = new Set([(pool[1] as Thread).tid]);

  const lowered = lowerEngineThreads({ nice: target, mode: 'nice', keep: kept });

  const after = threads();
  const nice = (tid: number) => after.find((t) => t.tid === tid)?.nice;
  expect(nice(process.pid)).toBe(before.find((t) => t.tid === process.pid)?.nice);
  for (const t of before.filter((x) => x.name.startsWith('V8'))) expect(nice(t.tid)).toBe(t.nice);
  for (const t of pool.slice(2)) expect(nice(t.tid)).toBe(target);
  expect(nice((pool[1] as Thread).tid)).toBe(pool[1]?.nice);
  expect(nice(already.tid)).toBe(19);
  expect(lowered).toBeGreaterThanOrEqual(pool.length - 2);
  expect(lowerEngineThreads({ nice: target, mode: 'nice', keep: kept })).toBe(0);
});

const loaded = loadSched();
const sched = 'sched' in loaded ? loaded.sched : undefined;

it.runIf(linux)('the addon is built here (make deps), so the idle class is tested', () => {
  expect(loaded).toHaveProperty('sched');
});

it.runIf(linux && sched !== undefined)(
  'idle: the others in SCHED_IDLE, the event loop, V8 and the pool in SCHED_OTHER; nice: back',
  async () => {
    const s = sched as Sched;
    const keep = await libuvPoolThreads();
    expect(keep.size).toBeGreaterThan(0);
    lowerEngineThreads({ nice: target, mode: 'idle', keep, sched: s });
    const lowered = others(keep);
    expect(lowered.length).toBeGreaterThan(0);
    // read back from the kernel, not through the addon
    for (const t of lowered) expect(policyOf(t.tid), t.name).toBe(SCHED_IDLE);
    for (const t of threads().filter((x) => !lowered.some((l) => l.tid === x.tid)))
      expect(policyOf(t.tid), t.name).toBe(SCHED_OTHER);

    lowerEngineThreads({ nice: target, mode: 'nice', keep, sched: s });
    for (const t of others(keep)) {
      expect(policyOf(t.tid), t.name).toBe(SCHED_OTHER);
      expect(t.nice, t.name).toBeGreaterThanOrEqual(target);
    }
  },
);

it('falls back to nice, saying why, without the addon or the right to leave the idle class', () => {
  expect(idleClass(10, () => ({ missing: 'no addon here' }))).toEqual({ why: 'no addon here' });
  const refusing = { policy: () => 0, setPolicy: () => undefined, canLeaveIdle: () => false };
  expect(idleClass(10, () => ({ sched: refusing }))).toEqual({
    why: expect.stringMatching(/RLIMIT_NICE >= 10/),
  });
  const allowing = { ...refusing, canLeaveIdle: () => true };
  expect(idleClass(10, () => ({ sched: allowing }))).toEqual({ sched: allowing });
});
