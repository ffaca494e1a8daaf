// The embedded engine shares the ingest's memory and cores: its caches are bounded when it starts, and its
// threads run below the event loop's priority.
import { mkdtempSync } from 'node:fs';
import { getPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { EmbeddedStore, ENGINE_ARGS } from './embedded.ts';
import { threads } from './testing/threads.ts';

// relative to the process's own priority: the tests may run under nice
const base = getPriority(process.pid);
const engineNice = Math.min(base + 5, 19);
let store: EmbeddedStore;

beforeAll(async () => {
  // one data directory per process (chdb), so one store for the file
  store = await EmbeddedStore.open({
    path: mkdtempSync(join(tmpdir(), 'engine-')),
    database: 'tracker',
    engineNice,
  });
});

afterAll(async () => {
  await store?.close();
});

it('starts the engine with bounded caches and its allocator returning freed memory', async () => {
  const rows = await store.query<{ name: string; value: string }>(
    "SELECT name, value FROM system.server_settings WHERE name IN ('mark_cache_size', 'index_mark_cache_size', 'primary_index_cache_size', 'query_condition_cache_size')",
  );
  const expected = ENGINE_ARGS.map((a) => a.slice(2).split('='));
  expect(Object.fromEntries(rows.map((r) => [r.name, r.value]))).toEqual(Object.fromEntries(expected));
  expect(Number(rows.find((r) => r.name === 'mark_cache_size')?.value)).toBeLessThanOrEqual(64 * 2 ** 20);
  expect(process.env.JE_MALLOC_CONF).toMatch(/dirty_decay_ms:0/);
});

it.runIf(process.platform === 'linux')(
  'runs the engine and the libuv pool below the event loop',
  async () => {
    await store.command('CREATE TABLE IF NOT EXISTS t (a UInt32) ENGINE = MergeTree ORDER BY a');
    await store.insert('t', [{ a: 1 }], { dedupToken: 'one' });
    const all = threads();
    const lowered = all.filter((t) => t.tid !== process.pid && !t.name.startsWith('V8'));
    // the engine's own pools (merges, schedules) and the pool that runs its calls
    expect(lowered.map((t) => t.name)).toEqual(
      expect.arrayContaining(['MergeMutate', 'BgSchPool', 'libuv-worker']),
    );
    for (const t of lowered) expect(t, t.name).toMatchObject({ nice: engineNice });
    expect(all.find((t) => t.tid === process.pid)?.nice).toBe(base);
    for (const t of all.filter((x) => x.name.startsWith('V8'))) expect(t.nice).toBe(base);
  },
);
