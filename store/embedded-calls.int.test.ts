// The embedded store's calls on its chdb session, one at a time: a call waiting for the session holds no
// libuv pool thread, and a failed statement's leftover output reaches no other call.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Session } from 'chdb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { EmbeddedStore } from './embedded.ts';

let store: EmbeddedStore;
beforeAll(async () => {
  store = await EmbeddedStore.open({
    path: mkdtempSync(join(tmpdir(), 'embedded-calls-')),
    database: 'calls',
  });
  await store.command('CREATE TABLE t (id UInt32, s String) ENGINE = MergeTree ORDER BY id');
});
afterAll(() => store.close());

/** The most calls the session had in chdb at once while `work` ran. */
async function mostInEngine(work: () => Promise<unknown>): Promise<number> {
  let now = 0;
  let most = 0;
  const count = <A extends unknown[], R>(original: (...args: A) => Promise<R>) =>
    function (this: Session, ...args: A): Promise<R> {
      most = Math.max(most, ++now);
      return original.apply(this, args).finally(() => now--);
    };
  const { queryAsync, queryBindAsync } = Session.prototype;
  const plain = vi.spyOn(Session.prototype, 'queryAsync').mockImplementation(count(queryAsync));
  const bound = vi.spyOn(Session.prototype, 'queryBindAsync').mockImplementation(count(queryBindAsync));
  try {
    await work();
  } finally {
    plain.mockRestore();
    bound.mockRestore();
  }
  return most;
}

const lines = (from: number, n: number) =>
  Buffer.from(
    Array.from({ length: n }, (_, i) => `${JSON.stringify({ id: from + i, s: 'x'.repeat(50) })}\n`).join(''),
  );

describe('the embedded store on its chdb session', () => {
  it('sends one call at a time, inserts, reads and commands alike, and each gets its own answer', async () => {
    let answers: unknown[] = [];
    const most = await mostInEngine(async () => {
      answers = await Promise.all([
        store.insertJsonLines('t', lines(0, 20_000), { dedupToken: 'a' }),
        store.insertJsonLines('t', lines(20_000, 20_000), { dedupToken: 'b' }),
        store.query<{ n: number }>('SELECT count() AS n FROM numbers(10)'),
        store.insertJsonLines('t', lines(40_000, 20_000), { dedupToken: 'c' }),
        store.query<{ v: number }>('SELECT {v:UInt8} AS v', { v: 7 }),
        store.ping(),
        store.command('SELECT 1'),
      ]);
    });
    expect(most).toBe(1);
    expect(answers.slice(2, 6)).toEqual([[{ n: 10 }], undefined, [{ v: 7 }], true]);
    expect(await store.query<{ n: number }>('SELECT count() AS n FROM t')).toEqual([{ n: 60000 }]);
  });

  it('hands a failed statement its error and the call beside it only its own rows', async () => {
    // The failing read streams rows before the engine throws at row 250,000.
    const failing = store.query('SELECT number FROM numbers(300000) WHERE throwIf(number = 250000) = 0');
    const beside = store.query<{ x: number }>('SELECT 42 AS x');
    await expect(failing).rejects.toThrow(/FUNCTION_THROW_IF_VALUE_IS_NON_ZERO|throwIf/);
    expect(await beside).toEqual([{ x: 42 }]);
  });
});
