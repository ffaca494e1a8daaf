// The embedded store unmaps the engine's clean code pages and the engine runs on, mapping back what it
// uses; the library's relocated data, which holds private pages, keeps them.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { releaseIdleCode } from '../common/idle-code.ts';
import { EmbeddedStore } from './embedded.ts';

interface Mapping {
  readonly perms: string;
  readonly rssKb: number;
  readonly anonKb: number;
}

/** The chdb library's mappings in this process, from smaps. */
function engineMappings(): Mapping[] {
  const out: Mapping[] = [];
  for (const block of readFileSync('/proc/self/smaps', 'utf8').split(/\n(?=[0-9a-f]+-[0-9a-f]+ )/)) {
    if (!/^\S+ \S+ .*\/libchdb\.so$/m.test(block.split('\n')[0] ?? '')) continue;
    const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(block)?.[1] ?? 0);
    out.push({ perms: block.split(' ')[1] ?? '', rssKb: field('Rss'), anonKb: field('Anonymous') });
  }
  return out;
}

const cleanResidentKb = () =>
  engineMappings()
    .filter((m) => !m.perms.includes('w') && m.anonKb === 0)
    .reduce((sum, m) => sum + m.rssKb, 0);
const privateKb = () => engineMappings().reduce((sum, m) => sum + m.anonKb, 0);

// one data directory per process (chdb), so the stores share it
const path = mkdtempSync(join(tmpdir(), 'idle-code-'));
let store: EmbeddedStore;
let atOpen: number;

beforeAll(async () => {
  store = await EmbeddedStore.open({ path, database: 'tracker', idleCodeReleaseSeconds: 0 });
  atOpen = cleanResidentKb();
});

afterAll(async () => {
  await store?.close();
});

it('unmaps the clean pages of the engine library, keeps its private ones, and the engine runs on', async () => {
  // start-up maps in tens of MiB of the library's code and read-only data
  expect(atOpen).toBeGreaterThan(32 * 1024);
  const before = privateKb();
  expect(before).toBeGreaterThan(0);

  const released = await releaseIdleCode();

  expect(released.mappings).toBeGreaterThanOrEqual(2);
  expect(released.kb).toBeGreaterThanOrEqual(atOpen);
  expect(cleanResidentKb()).toBeLessThan(atOpen / 4);
  expect(privateKb()).toBe(before);
  await store.command('CREATE TABLE t (n UInt32) ENGINE = MergeTree ORDER BY n');
  await store.insert('t', [{ n: 1 }, { n: 2 }], { dedupToken: 'idle-code' });
  expect(await store.query('SELECT sum(n) AS s FROM t')).toEqual([{ s: 3 }]);
  // what the statements ran came back, and only that
  expect(cleanResidentKb()).toBeGreaterThan(0);
  expect(cleanResidentKb()).toBeLessThan(atOpen);
});

it('releases when a store opens with releases on', async () => {
  await store.query('SELECT count() FROM system.functions');
  const mapped = cleanResidentKb();
  expect(mapped).toBeGreaterThan(8 * 1024);
  const second = await EmbeddedStore.open({ path, database: 'other', idleCodeReleaseSeconds: 300 });
  try {
    await vi.waitFor(() => expect(cleanResidentKb()).toBeLessThan(mapped / 2));
  } finally {
    await second.close();
  }
});
