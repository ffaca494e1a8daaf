// The embedded engine shares the ingest's memory, cores and open files: its caches are bounded when it
// starts, it runs one merge at a time and bounds what a merge holds, its threads run below the event
// loop's priority, and the files a part of any table needs are bounded whatever the data.
import { mkdtempSync, readdirSync } from 'node:fs';
import { getPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyMigrations } from '../schema/index.ts';
import { EMBEDDED_MERGE_TREE, EmbeddedStore, ENGINE_ARGS } from './embedded.ts';
import { threads } from './testing/threads.ts';

// relative to the process's own priority: the tests may run under nice
const base = getPriority(process.pid);
const engineNice = Math.min(base + 5, 19);
let store: EmbeddedStore;
/** A second session on the same directory, bound to the migrated database (chdb allows this). */
let files: EmbeddedStore;

beforeAll(async () => {
  // one data directory per process (chdb), so its stores share it
  const path = mkdtempSync(join(tmpdir(), 'engine-'));
  store = await EmbeddedStore.open({ path, database: 'tracker', engineNice });
  files = await EmbeddedStore.open({ path, database: 'files', engineNice });
});

afterAll(async () => {
  await files?.close();
  await store?.close();
});

it('starts the engine with bounded caches, one merge at a time and its allocator returning freed memory', async () => {
  const expected = Object.fromEntries(ENGINE_ARGS.map((a) => a.slice(2).split('=')));
  const rows = await store.query<{ name: string; value: string }>(
    'SELECT name, value FROM system.server_settings WHERE name IN {names:Array(String)}',
    { names: Object.keys(expected) },
  );
  expect(Object.fromEntries(rows.map((r) => [r.name, r.value]))).toEqual(expected);
  expect(Number(expected.mark_cache_size)).toBeLessThanOrEqual(64 * 2 ** 20);
  // one merge holding its memory beside an insert, not four
  expect(expected).toMatchObject({
    background_pool_size: '1',
    background_merges_mutations_concurrency_ratio: '1',
  });
  expect(process.env.JE_MALLOC_CONF).toMatch(/dirty_decay_ms:0/);
});

it('bounds what a merge holds per part it reads and per stream it writes', async () => {
  const rows = await store.query<{ name: string; value: string }>(
    'SELECT name, value FROM system.merge_tree_settings WHERE name IN {names:Array(String)}',
    { names: Object.keys(EMBEDDED_MERGE_TREE) },
  );
  expect(Object.fromEntries(rows.map((r) => [r.name, Number(r.value)]))).toEqual(EMBEDDED_MERGE_TREE);
  expect(EMBEDDED_MERGE_TREE.index_granularity_bytes).toBeLessThanOrEqual(2 ** 20);
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

/**
 * Events whose params spell many paths, each with values of several types, nested in arrays of objects
 * with keys of their own: what clients may send, and what multiplied the files of a part.
 */
function variedEvents(from: number, n: number): string {
  const lines: string[] = [];
  for (let i = from; i < from + n; i++) {
    const nested = {
      [`a${i % 40}`]: [i, `x${i}`, { [`b${i % 25}`]: [[i, 'y'], { [`c${i % 10}`]: i % 2 === 0 }] }],
    };
    const params = { [`p${i % 300}`]: i % 3 === 0 ? i : `s${i}`, [`list${i % 60}`]: [nested, [i]], n: i };
    lines.push(
      JSON.stringify({
        eid: crypto.randomUUID(),
        ename: 'view',
        params,
        targets: { [`t${i % 90}`]: [nested] },
      }),
    );
  }
  return `${lines.join('\n')}\n`;
}

// Regression: the engine answered an insert with its part only in the page cache, and the data path then
// deleted the rows from its spool: a power loss within the kernel's writeback delay lost acknowledged rows.
it('syncs the parts it inserts before the insert answers', async () => {
  const rows = await store.query<{ name: string; value: string }>(
    "SELECT name, value FROM system.merge_tree_settings WHERE name IN ('fsync_after_insert', 'fsync_part_directory')",
  );
  expect(Object.fromEntries(rows.map((r) => [r.name, r.value]))).toEqual({
    fsync_after_insert: '1',
    fsync_part_directory: '1',
  });
});

describe('the files a part needs', () => {
  // An events insert, or a merge, whose JSON spelled thousands of paths and types needed more files than
  // the process may open (12,000 and more for a few hundred generated events): it failed, and every other
  // insert and spool write failed while it held them.
  it('stay bounded whatever the JSON columns hold: inserts write Compact parts, merged parts no path of its own', async () => {
    await applyMigrations(store, { database: 'files', retention: { defaultDays: 0 } });
    // every merged part Wide, however small: the format whose files grow with the data
    await files.command('ALTER TABLE events MODIFY SETTING min_bytes_for_wide_part = 0');
    for (let batch = 0; batch < 3; batch++)
      await files.insertJsonLines('events', Buffer.from(variedEvents(batch * 400, 400)), {
        dedupToken: `varied-${batch}`,
      });
    const parts = () =>
      files.query<{ part_type: string; path: string }>(
        "SELECT part_type, path FROM system.parts WHERE database = 'files' AND table = 'events' AND active",
      );
    expect((await parts()).map((p) => p.part_type)).toEqual(['Compact', 'Compact', 'Compact']);
    await files.command('OPTIMIZE TABLE events FINAL');
    const [merged] = await parts();
    expect(merged?.part_type).toBe('Wide');
    expect(readdirSync(merged?.path ?? '').length).toBeLessThan(1000);
    // every path is still there to read
    const [row] = await files.query<{ n: number; s: string }>(
      'SELECT count() AS n, any(params.p4) AS s FROM events WHERE params.n = 4',
    );
    expect(row).toEqual({ n: 1, s: 's4' });
  });
});
