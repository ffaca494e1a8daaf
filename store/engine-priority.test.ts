// Acknowledgements ahead of the engine: every thread but the event loop's and V8's gets the lower priority.
import { readFile } from 'node:fs/promises';
import { getPriority, setPriority } from 'node:os';
import { expect, it } from 'vitest';
import { lowerEngineThreads } from './engine-priority.ts';
import { type Thread, threads } from './testing/threads.ts';

it.runIf(process.platform === 'linux')(
  'lowers libuv and other threads, never the event loop or V8 helpers',
  async () => {
    // libuv starts its pool on the first call that needs it
    await readFile(import.meta.filename);
    const before = threads();
    const pool = before.filter((t) => t.name === 'libuv-worker');
    expect(pool.length).toBeGreaterThan(0);
    // a thread already below the target keeps its own lower priority
    // relative to the process's own priority: the tests may run under nice
    const base = getPriority(process.pid);
    const target = Math.min(base + 4, 18);
    const already = pool[0] as Thread;
    setPriority(already.tid, 19);

    const lowered = lowerEngineThreads(target);

    const after = threads();
    const nice = (tid: number) => after.find((t) => t.tid === tid)?.nice;
    expect(nice(process.pid)).toBe(before.find((t) => t.tid === process.pid)?.nice);
    for (const t of before.filter((x) => x.name.startsWith('V8'))) expect(nice(t.tid)).toBe(t.nice);
    for (const t of pool.slice(1)) expect(nice(t.tid)).toBe(target);
    expect(nice(already.tid)).toBe(19);
    expect(lowered).toBeGreaterThanOrEqual(pool.length - 1);
    expect(lowerEngineThreads(target)).toBe(0);
  },
);
