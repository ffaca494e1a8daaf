// The embedded store's inserts run on a worker thread of their own, one per process, with the engine's
// errors coming back as the engine said them.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { EmbeddedStore } from './embedded.ts';
import { insertErrorKind } from './errors.ts';
import { InsertThread, InsertThreadError } from './insert-thread.ts';
import { threads } from './testing/threads.ts';

let path: string;
let store: EmbeddedStore;

beforeAll(async () => {
  // one data directory per process (chdb): the store opens it, the threads below connect to it too
  path = mkdtempSync(join(tmpdir(), 'insert-thread-'));
  store = await EmbeddedStore.open({ path, database: 'tracker' });
  await store.command('CREATE TABLE t (a UInt32) ENGINE = MergeTree ORDER BY a');
});

afterAll(async () => {
  await store?.close();
});

it('runs statements on a thread of its own, one per process', async () => {
  const thread = await InsertThread.open(path, []);
  try {
    // the store's own connection started it
    expect(threads().filter((t) => t.name === 'WorkerThread')).toHaveLength(1);
    await thread.run('INSERT INTO tracker.t VALUES (1), (2)');
    expect(await store.query('SELECT a FROM t ORDER BY a')).toEqual([{ a: 1 }, { a: 2 }]);
  } finally {
    await thread.close();
  }
});

it("answers with the engine's own error, which the data path classifies as before", async () => {
  const thread = await InsertThread.open(path, []);
  try {
    const err = await thread.run('INSERT INTO tracker.t FORMAT JSONEachRow {"a": "x"}').catch((e) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err.message).toMatch(/Code: 27\./);
    expect(insertErrorKind(err)).toBe('data');
    // the failed statement's output does not reach the next one
    await thread.run('INSERT INTO tracker.t VALUES (3)');
    expect(await store.query('SELECT count() AS n FROM t')).toEqual([{ n: 3 }]);
  } finally {
    await thread.close();
  }
});

it('refuses statements once closed, with an error the data path retries', async () => {
  const thread = await InsertThread.open(path, []);
  await thread.close();
  const err = await thread.run('INSERT INTO tracker.t VALUES (4)').catch((e) => e);
  expect(err).toBeInstanceOf(InsertThreadError);
  expect(insertErrorKind(err)).toBe('transient');
});
