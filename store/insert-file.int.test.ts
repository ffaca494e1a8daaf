// The embedded engine reads an insert's body from a file: the file exists only while its insert runs,
// and what a process that ended left is gone once the engine holds the directory again.
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { BodyBuffers } from './contract.ts';
import { EmbeddedStore } from './embedded.ts';
import { insertErrorKind } from './errors.ts';

// one data directory per process (chdb): a fresh one, with what a killed process would have left
const path = mkdtempSync(join(tmpdir(), 'insert-files-'));
const leftover = join(path, 'tracker-inserts', 'store-killed');
let store: EmbeddedStore;

beforeAll(async () => {
  mkdirSync(leftover, { recursive: true });
  writeFileSync(join(leftover, '0.jsonl'), '{"id":1}\n');
  store = await EmbeddedStore.open({ path, database: 'tracker' });
  await store.command(
    'CREATE TABLE t (id UInt32, s String) ENGINE = MergeTree ORDER BY id SETTINGS non_replicated_deduplication_window = 100',
  );
});

afterAll(() => store?.close());

/** Every insert file of every store on the directory. */
const insertFiles = () =>
  readdirSync(join(path, 'tracker-inserts'), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => e.name);

it('removes the insert files a process that ended left, once the engine holds the directory', () => {
  expect(readdirSync(join(path, 'tracker-inserts'))).not.toContain('store-killed');
});

it('stores a body of pieces as they arrive, once per token, and keeps no file after the insert', async () => {
  // the file the body is written to, seen while it is written
  const seen: string[][] = [];
  async function* pieces() {
    for (let i = 0; i < 100; i++) {
      if (i === 50) seen.push(insertFiles());
      yield Buffer.from(`${JSON.stringify({ id: i, s: `it's \\ ${i}` })}\n`);
    }
  }
  // a token that needs quoting in the statement
  const token = "batch 'one' \\ of 100";
  for (let i = 0; i < 2; i++) await store.insertJsonLines('t', () => pieces(), { dedupToken: token });
  await store.insertJsonLines('t', [Buffer.from('{"id":100,'), Buffer.from('"s":"x"}\n')], {
    dedupToken: 'two pieces of one row',
  });
  const [row] = await store.query<{ n: number; s: string }>(
    'SELECT count() AS n, anyIf(s, id = 7) AS s FROM t',
  );
  expect(row).toEqual({ n: 101, s: "it's \\ 7" });
  expect(seen).toEqual([['0.jsonl'], ['1.jsonl']]);
  expect(insertFiles()).toEqual([]);
});

it('stores a batch read into the buffers the store lends, reused chunk after chunk', async () => {
  // as the spool reads a batch back: whole lines written into a lent 1 MiB buffer, a view of it yielded
  const chunks = 6;
  const perChunk = 20_000;
  async function* read(buffers?: BodyBuffers) {
    for (let c = 0; c < chunks; c++) {
      const chunk = buffers?.lend(1 << 20) ?? Buffer.allocUnsafe(1 << 20);
      let used = 0;
      for (let i = 0; i < perChunk; i++) {
        const id = 1000 + c * perChunk + i;
        used += chunk.write(`${JSON.stringify({ id, s: `c${c}` })}\n`, used);
      }
      yield chunk.subarray(0, used);
    }
  }
  await store.insertJsonLines('t', read, { dedupToken: 'lent chunks' });
  const [row] = await store.query<{ n: number; ids: number; last: string }>(
    "SELECT count() AS n, sum(id) AS ids, anyIf(s, id = 120999) AS last FROM t WHERE s LIKE 'c%'",
  );
  const n = chunks * perChunk;
  expect(row).toEqual({ n, ids: n * 1000 + (n * (n - 1)) / 2, last: 'c5' });
  expect(insertFiles()).toEqual([]);
});

it('refuses a bad row as a data error and keeps no file after it', async () => {
  const err = await store
    .insertJsonLines('t', Buffer.from('{"id":"not a number"}\n'), { dedupToken: 'bad' })
    .catch((e: unknown) => e);
  expect(insertErrorKind(err)).toBe('data');
  expect(insertFiles()).toEqual([]);
});
