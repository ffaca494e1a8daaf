// The engine applies the configuration of a process's first connection to all of them: the read-only
// connection names the engine's configuration too, so its lock on table functions (engine-access.ts)
// holds when the reader opens before any store, and the reader's own settings stay its own.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { EmbeddedStore } from './embedded.ts';
import { openReader, type SqlReader } from './reader.ts';

const path = mkdtempSync(join(tmpdir(), 'reader-first-'));
const limits = {
  maxExecutionTimeS: 5,
  maxResultBytes: 1 << 20,
  maxMemoryBytes: 1 << 26,
  maxThreads: 1,
  maxQueued: 1,
};
let reader: SqlReader;
let store: EmbeddedStore | undefined;

beforeAll(async () => {
  reader = await openReader({ path, database: 'system', limits });
});

afterAll(async () => {
  await reader?.close();
  await store?.close();
});

const refusal = (sql: string) =>
  reader.read(sql, { format: 'TSV' }).then(
    () => 'ran',
    (err: Error) => err.message,
  );

it("regression: opened first, the reader held every grant (the engine's default user); now none of SOURCES", async () => {
  // port 9 (discard) on loopback: nothing is meant to connect anywhere, the grant is checked first
  expect(await refusal("SELECT * FROM url('http://127.0.0.1:9/x', 'LineAsString')")).toMatch(
    /grant READ ON URL.*\(ACCESS_DENIED\)/,
  );
  expect(await refusal('SELECT 1 SETTINGS readonly = 0')).toMatch(/READONLY/);
});

it('the store opened after it still writes, from its insert files', async () => {
  store = await EmbeddedStore.open({ path, database: 'tracker' });
  await store.command('CREATE TABLE t (id UInt32) ENGINE = MergeTree ORDER BY id');
  await store.insert('t', [{ id: 7 }], { dedupToken: 'reader-first' });
  expect(await reader.query('SELECT id FROM tracker.t')).toEqual([{ id: 7 }]);
});
