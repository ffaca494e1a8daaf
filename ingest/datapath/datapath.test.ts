// The data path with a scripted store (no engine): poison rows, overload, draining, bounded memory.
// The same behaviours against the real engine are in datapath.int.test.ts.
// Here: delivery: rows stored and drained, invalid rows refused, poison rows and unknown refusals
// isolated and dead-lettered, batches too large split, a store that is down or out of files.
// The scripted store and shared setup are testing/scripted-store.ts.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createDataPath } from './datapath.ts';
import { InsertFailure, UNKNOWN_HOLD_ROUNDS } from './delivery.ts';
import { testEid } from './testing/rows.ts';
import {
  config,
  engineError,
  event,
  FAST_BREAKER,
  OUT_OF_FILES,
  open,
  ScriptedStore,
  until,
} from './testing/scripted-store.ts';

describe('createDataPath (scripted store)', () => {
  it('delivers appended rows and drains on close', async () => {
    const store = new ScriptedStore();
    const dp = await open(store, {
      batching: { maxConcurrentFlushes: 1, tables: { events: { strategy: 'time', maxDelayMs: 60_000 } } },
    });
    for (let i = 0; i < 10; i++) await dp.append('events', [event(i)]);
    expect(store.rows).toHaveLength(0); // held back by the time strategy
    await dp.close(5_000);
    expect(store.rows).toHaveLength(10);
    await expect(dp.append('events', [event(11)])).rejects.toMatchObject({
      code: 'NOT_READY',
      statusCode: 503,
    });
  });

  it('refuses invalid rows and derived tables before queueing anything', async () => {
    const dp = await open(new ScriptedStore());
    await expect(dp.append('events', [event(1), { vid: 'nope' }])).rejects.toMatchObject({
      code: 'INVALID_EVENT',
    });
    await expect(dp.append('hits', [{ url: '/' }])).rejects.toMatchObject({
      code: 'INTERNAL',
      message: 'hits is filled by a materialized view',
    });
    await expect(dp.append('nope', [{}])).rejects.toMatchObject({
      code: 'INTERNAL',
      message: 'no table nope in the schema',
    });
    expect(dp.status().queues.events?.rows ?? 0).toBe(0);
    await dp.close(1000);
  });

  it('isolates a poison row: the rest of its batch is delivered, the row is dead-lettered with the reason', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dp-'));
    const store = new ScriptedStore();
    const dp = await open(store, { batching: { tables: { events: { strategy: 'size', maxRows: 8 } } } }, dir);
    const rows = Array.from({ length: 8 }, (_v, i) => event(i, i === 5 ? { ename: 'poison' } : {}));
    await dp.append('events', rows);
    await until(
      () => store.rows.length === 7 && dp.status().deadLetters === 1,
      'the batch minus the poison row',
    );
    const [letter] = readFileSync(join(dir, 'spool', 'dead-letters.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(letter).toMatchObject({ table: 'events', reason: expect.stringMatching(/Cannot parse input/) });
    expect(JSON.parse(letter.row).ename).toBe('poison');
    await dp.close(1000);
  });

  // The engine refused a row with a code the data path did not know, and the batch was retried as it was
  // for ever: no later row of the table was stored.
  it('dead-letters a row refused with a code it does not know after the fast retries, and stores the rest', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dp-'));
    const store = new ScriptedStore();
    store.refuse = (text) =>
      text.includes('"ename":"odd"') ? engineError(49, 'Logical error: a value it cannot take') : undefined;
    const registry = new Registry();
    const dp = await createDataPath(
      config(dir, {
        batching: { breaker: FAST_BREAKER, tables: { events: { strategy: 'size', maxRows: 8, retries: 2 } } },
      }),
      { store, migrate: false, registry },
    );
    await dp.append(
      'events',
      Array.from({ length: 8 }, (_v, i) => event(i, i === 2 ? { ename: 'odd' } : {})),
    );
    await until(() => store.rows.length === 7 && dp.status().deadLetters === 1, 'the rest of the batch');
    const letter = JSON.parse(readFileSync(join(dir, 'spool', 'dead-letters.jsonl'), 'utf8'));
    expect(letter).toMatchObject({ table: 'events', reason: expect.stringMatching(/^Code: 49\./) });
    expect(JSON.parse(letter.row).ename).toBe('odd');
    // the store answered about the rows: that is no outage, and the breaker holds every table's inserts
    const opened = await registry.getSingleMetric('tracker_datapath_breaker_transitions_total')?.get();
    expect(opened?.values.filter((v) => v.labels.state === 'open')).toEqual([]);
    await dp.close(1000);
  });

  // The engine refused every insert with a code the data path did not know (a failure of its own, not of
  // the rows): isolation found every row refused alone, and the whole batch went to the dead-letter file.
  describe('a batch the store refused whole with a code it does not know', () => {
    const unknownCode = () => engineError(49, 'Logical error: the engine is not itself');
    const openHeld = async (store: ScriptedStore, dir: string, held: string[]) =>
      createDataPath(
        config(dir, {
          batching: {
            breaker: FAST_BREAKER,
            tables: { events: { strategy: 'size', maxRows: 4, retries: 1, backoffMs: 1 } },
          },
        }),
        {
          store,
          migrate: false,
          onError: (err) => {
            if (err instanceof InsertFailure && err.fields.round !== undefined) held.push(err.message);
          },
        },
      );

    it('is held in the spool and stored once the store takes it again: nothing dead-lettered', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'dp-'));
      const store = new ScriptedStore();
      let healed = false;
      store.refuse = () => (healed ? undefined : unknownCode());
      const held: string[] = [];
      const dp = await openHeld(store, dir, held);
      await dp.append(
        'events',
        Array.from({ length: 4 }, (_v, i) => event(i)),
      );
      await until(() => held.length > 0 || dp.status().deadLetters > 0, 'the batch held or dead-lettered');
      expect(dp.status().deadLetters).toBe(0);
      expect(held[0]).toMatch(/^insert into events refused whole .*: held \(up to 20 rounds\): Code: 49\./);

      healed = true;
      await until(() => store.rows.length === 4, 'the held batch stored');
      expect(dp.status().deadLetters).toBe(0);
      await dp.close(1000);
    });

    it('is dead-lettered once the rounds it is held for are spent (the table is not held for ever)', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'dp-'));
      const store = new ScriptedStore();
      store.refuse = unknownCode;
      const held: string[] = [];
      const dp = await openHeld(store, dir, held);
      await dp.append(
        'events',
        Array.from({ length: 4 }, (_v, i) => event(i)),
      );
      await until(() => dp.status().deadLetters === 4, 'every row dead-lettered');
      expect(held).toHaveLength(UNKNOWN_HOLD_ROUNDS);
      expect(store.rows).toHaveLength(0);
      await dp.close(1000);
    });

    it('is not held when another part of it was stored: only the rows refused alone are dead-lettered', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'dp-'));
      const store = new ScriptedStore();
      store.refuse = (text) => (text.includes(testEid(1)) ? unknownCode() : undefined);
      const held: string[] = [];
      const dp = await openHeld(store, dir, held);
      await dp.append(
        'events',
        Array.from({ length: 4 }, (_v, i) => event(i)),
      );
      await until(() => store.rows.length === 3 && dp.status().deadLetters === 1, 'the rest of the batch');
      expect(held).toEqual([]);
      await dp.close(1000);
    });
  });

  // An events batch whose insert needed more open files than the process may hold was retried as it was
  // for ever: the table stalled with every row acknowledged and none stored.
  it('splits a batch too large for the engine until its pieces fit: every row stored, none dead-lettered', async () => {
    const store = new ScriptedStore();
    store.refuse = (_text, rows) => (rows > 3 ? engineError(76, OUT_OF_FILES) : undefined);
    const dp = await open(store, {
      batching: { breaker: FAST_BREAKER, tables: { events: { strategy: 'size', maxRows: 20, retries: 1 } } },
    });
    await dp.append(
      'events',
      Array.from({ length: 20 }, (_v, i) => event(i)),
    );
    await until(() => store.rows.length === 20, 'every row');
    expect(new Set(store.rows.map((r) => r.eid)).size).toBe(20);
    expect(dp.status().deadLetters).toBe(0);
    await dp.close(1000);
  });

  it('retries a lone row out of file descriptors until they are back, never dead-letters it', async () => {
    const store = new ScriptedStore();
    let refusals = 0;
    store.refuse = () =>
      refusals++ < 30 ? engineError(573, 'Cannot open epoll descriptor: Too many open files') : undefined;
    const dp = await open(store, {
      batching: { breaker: FAST_BREAKER, tables: { events: { strategy: 'size', maxRows: 3, retries: 1 } } },
    });
    await dp.append('events', [event(1), event(2), event(3)]);
    await until(() => store.rows.length === 3, 'every row, once the descriptors are back');
    expect(dp.status().deadLetters).toBe(0);
    await dp.close(1000);
  });

  it('keeps accepting into the spool while the store is down (breaker open), then delivers everything once', async () => {
    const store = new ScriptedStore();
    store.down = true;
    const dp = await open(store, {
      batching: {
        breaker: { failureThreshold: 2, openMs: 10, maxOpenMs: 20 },
        tables: { events: { strategy: 'immediate' } },
      },
    });
    for (let i = 0; i < 50; i++) await dp.append('events', [event(i)]);
    await until(() => dp.status().breaker === 'open', 'the breaker to open');
    store.down = false;
    await until(() => store.rows.length === 50, 'delivery after the outage');
    expect(new Set(store.rows.map((r) => r.eid)).size).toBe(50);
    await dp.close(1000);
  });
});
