// The embedded engine shares the ingest's memory: its caches are bounded when it starts.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { EmbeddedStore, ENGINE_ARGS } from './embedded.ts';

it('starts the engine with bounded caches and its allocator returning freed memory', async () => {
  const store = await EmbeddedStore.open({
    path: mkdtempSync(join(tmpdir(), 'engine-')),
    database: 'tracker',
  });
  try {
    const rows = await store.query<{ name: string; value: string }>(
      "SELECT name, value FROM system.server_settings WHERE name IN ('mark_cache_size', 'index_mark_cache_size', 'primary_index_cache_size', 'query_condition_cache_size')",
    );
    const expected = ENGINE_ARGS.map((a) => a.slice(2).split('='));
    expect(Object.fromEntries(rows.map((r) => [r.name, r.value]))).toEqual(Object.fromEntries(expected));
    expect(Number(rows.find((r) => r.name === 'mark_cache_size')?.value)).toBeLessThanOrEqual(64 * 2 ** 20);
    expect(process.env.JE_MALLOC_CONF).toMatch(/dirty_decay_ms:0/);
  } finally {
    await store.close();
  }
});
