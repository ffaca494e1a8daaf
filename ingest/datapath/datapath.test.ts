// The data path with a scripted store (no engine): poison rows, overload, draining, bounded memory.
// The same behaviours against the real engine are in datapath.int.test.ts.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { type JsonLines, joinedLines, type Row, type Store } from '../../store/index.ts';
import { parseConfig } from '../config.ts';
import { isIngestError } from '../errors.ts';
import type { DataPath } from './contract.ts';
import { createDataPath, type DataPathConfig } from './datapath.ts';
import { InsertFailure, UNKNOWN_HOLD_ROUNDS } from './delivery.ts';
import { testEid } from './testing/rows.ts';

/** An error as chdb or @clickhouse/client reports one the engine answered with. */
const engineError = (code: number, message: string) =>
  Object.assign(new Error(`Code: ${code}. DB::Exception: ${message}`), { code: String(code) });

const OUT_OF_FILES =
  'Cannot open file /data/store/tmp_insert_202612_2_2_0/params.a.dynamic_structure.bin: , errno: 24, strerror: Too many open files. (CANNOT_OPEN_FILE)';

/**
 * Inserts into memory; rows containing "poison" fail as ClickHouse parse errors do; `down` fails
 * everything; `refuse` scripts any other answer to an insert (its text and its number of rows).
 */
class ScriptedStore implements Store {
  readonly kind = 'embedded' as const;
  readonly rows: Row[] = [];
  readonly tokens = new Set<string>();
  down = false;
  inserts = 0;
  refuse: (text: string, rows: number) => Error | undefined = () => undefined;
  async insert(): Promise<void> {}
  async insertJsonLines(_table: string, lines: JsonLines, opts: { dedupToken: string }): Promise<void> {
    this.inserts++;
    if (this.down) throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const text = (await joinedLines(lines)).toString();
    if (text.includes('poison')) throw engineError(27, 'Cannot parse input');
    const refused = this.refuse(text, text.trim().split('\n').length);
    if (refused) throw refused;
    if (this.tokens.has(opts.dedupToken)) return;
    this.tokens.add(opts.dedupToken);
    for (const line of text.trim().split('\n')) this.rows.push(JSON.parse(line));
  }
  async query<T>(): Promise<T[]> {
    return [];
  }
  async command(): Promise<void> {}
  async ping(): Promise<boolean> {
    return !this.down;
  }
  async close(): Promise<void> {}
}

/** Retries and open periods of a few milliseconds: a test waits for outcomes, not for backoff. */
const FAST_BREAKER = { failureThreshold: 2, openMs: 10, maxOpenMs: 20 };

/** Sections of the ingest configuration given in part; the one loader fills in the rest. */
type Sections = { store?: object; spool?: object; batching?: object };

const config = (dir: string, more: Sections = {}): DataPathConfig =>
  parseConfig({
    store: { kind: 'embedded', path: join(dir, 'db') },
    batching: { maxConcurrentFlushes: 2, breaker: { failureThreshold: 2, openMs: 10, maxOpenMs: 50 } },
    ...more,
    // Always inside the test's own directory (the schema default is ./data/spool).
    spool: { fsyncIntervalMs: 1, ...more.spool, dir: join(dir, 'spool') },
  });
const open = (store: Store, more: Sections = {}, dir = mkdtempSync(join(tmpdir(), 'dp-'))) =>
  createDataPath(config(dir, more), { store, migrate: false });
const event = (i: number, extra: Row = {}): Row => ({
  eid: testEid(i),
  ename: 'view',
  ...extra,
});

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 2000 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
  if (!check()) throw new Error(`timed out waiting for ${what}`);
}

/** Appends 10 KB events until one is refused (at most 200): how many were written, and the refusal. */
async function fillUntilRefused(dp: DataPath): Promise<{ written: number; err: unknown }> {
  const big = 'x'.repeat(10_000);
  let written = 0;
  let err: unknown;
  for (let i = 0; i < 200 && !err; i++) {
    err = await dp.append('events', [event(i, { url: big })]).catch((e) => e);
    if (!err) written++;
  }
  return { written, err };
}

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

  // What an erasure waits for: a row acknowledged before it that is still in the spool would land after the
  // erasure's delete.
  it('settled() resolves once the rows acknowledged before it are stored, not the ones after', async () => {
    const store = new ScriptedStore();
    store.down = true;
    const dp = await open(store, {
      batching: {
        breaker: { failureThreshold: 2, openMs: 10, maxOpenMs: 20 },
        tables: { events: { strategy: 'immediate' }, ltv: { strategy: 'time', maxDelayMs: 60_000 } },
      },
    });
    // one record: cut into one batch at once, which then waits in delivery (no row pending in the spool)
    await dp.append(
      'events',
      [0, 1, 2, 3, 4].map((i) => event(i)),
    );
    await until(() => dp.status().breaker === 'open', 'the breaker to open');
    expect(dp.status().queues.events?.rows).toBe(0);
    let settled = false;
    const waiting = dp.settled(['events']).then(() => {
      settled = true;
    });
    await until(() => store.inserts >= 4, 'more attempts of the batch');
    expect(settled).toBe(false); // the store is down: the rows are only in the spool
    store.down = false;
    await waiting;
    expect(store.rows.map((r) => r.eid)).toHaveLength(5);
    // a row of another table is neither waited for nor flushed unless that table is asked for
    await dp.append('ltv', [{ id: '018f0000-0000-7000-8000-000000000001', paid: 1 }]);
    await dp.append('events', [event(6)]);
    await dp.settled(['events']);
    expect(store.rows).toHaveLength(6); // the ltv row is held back by its 60 s delay
    // asked for, it is flushed at once: settled() does not wait for the table's strategy
    await dp.settled();
    expect(store.rows).toHaveLength(7);
    await dp.close(1000);
  });

  it('settled() gives up with NOT_READY once the data path drains', async () => {
    const store = new ScriptedStore();
    store.down = true;
    const dp = await open(store, { batching: { tables: { events: { strategy: 'immediate' } } } });
    await dp.append('events', [event(1)]);
    const refused = expect(dp.settled()).rejects.toMatchObject({ code: 'NOT_READY' });
    await dp.close(0);
    await refused;
  });

  it('tells onError why an insert failed each time it is retried (a metric alone says only how often)', async () => {
    const store = new ScriptedStore();
    store.down = true;
    const errors: InsertFailure[] = [];
    const dir = mkdtempSync(join(tmpdir(), 'dp-'));
    const dp = await createDataPath(
      config(dir, { batching: { tables: { events: { strategy: 'immediate' } } } }),
      { store, migrate: false, onError: (err) => errors.push(err as InsertFailure) },
    );
    await dp.append('events', [event(1)]);
    await until(() => errors.length >= 2, 'two failed attempts');
    // the attempt is a field, out of the text: the text of each retry of one failure is the same
    expect(errors.map((e) => [e.message, e.fields, e.repeatKey])).toEqual([
      [
        'insert into events failed, retried: connect ECONNREFUSED',
        { table: 'events', attempt: 1 },
        expect.any(String),
      ],
      [
        'insert into events failed, retried: connect ECONNREFUSED',
        { table: 'events', attempt: 2 },
        errors[0]?.repeatKey,
      ],
    ]);
    store.down = false;
    await until(() => store.rows.length === 1, 'delivery after the outage');
    await dp.close(1000);
  });

  // Each append's lines are lent from reused slabs and given back once the append settled (slabs.ts):
  // appends of 100 rows, eight at a time, cycle the slabs many times while others are still being
  // written, and while batches of cached records wait for a store that is down.
  it('stores every row of concurrent appends intact, cached or read back, while their memory is reused', async () => {
    const store = new ScriptedStore();
    store.down = true;
    const dp = await open(store, {
      batching: { breaker: FAST_BREAKER, tables: { events: { strategy: 'size', maxRows: 1000 } } },
      spool: { memoryBytes: 256 * 1024, maxBytes: 64 * 1024 * 1024 },
    });
    const pad = 'p'.repeat(300);
    const request = (r: number) =>
      Array.from({ length: 100 }, (_, j) => event(r * 100 + j, { url: `/${r * 100 + j}/${pad}` }));
    for (let wave = 0; wave < 10; wave++)
      await Promise.all(Array.from({ length: 8 }, (_, k) => dp.append('events', request(wave * 8 + k))));
    store.down = false;
    await until(() => store.rows.length === 8000, 'every row');
    const eids = new Set(store.rows.map((r) => r.eid));
    expect(eids.size).toBe(8000);
    for (const row of store.rows) expect(row.eid).toBe(testEid(Number(String(row.url).split('/')[1])));
    await dp.close(1000);
  });

  it('answers OVERLOADED with a retry-after when the spool is full', async () => {
    const store = new ScriptedStore();
    store.down = true;
    const dp = await open(store, { spool: { maxBytes: 1_048_576, retryAfterSeconds: 3 } });
    const { err } = await fillUntilRefused(dp);
    expect(isIngestError(err, 'OVERLOADED')).toBe(true);
    expect(err).toMatchObject({ statusCode: 503, retryAfterS: 3 });
    await dp.close(100);
  });

  // A spool full of rows that wait only for their strategy (here 10 minutes) refused every client until
  // the trigger fired, with a store that would have taken them at once.
  it('sends the pending rows of a full spool at once and then takes appends again', async () => {
    const store = new ScriptedStore();
    const dp = await open(store, {
      spool: { maxBytes: 1_048_576 },
      batching: { tables: { events: { strategy: 'time', maxDelayMs: 600_000 } } },
    });
    const { written, err } = await fillUntilRefused(dp);
    expect(isIngestError(err, 'OVERLOADED')).toBe(true);
    await until(() => store.rows.length === written, 'the full spool delivered');
    await until(() => dp.status().spoolBytes < 1_048_576 / 2, 'the spool emptied');
    await expect(dp.append('events', [event(1000, { url: 'x'.repeat(10_000) })])).resolves.toBeUndefined();
    await dp.close(1000);
  });

  // /ready answered 200 while every append was refused as the spool was full: a load balancer kept sending
  // this instance traffic that could only be 503.
  it('is not ready while its full spool refuses appends, and ready again once the rows are delivered', async () => {
    const store = new ScriptedStore();
    store.down = true;
    const dp = await open(store, { spool: { maxBytes: 1_048_576 } });
    expect(dp.status()).toMatchObject({ ready: true });
    const { err } = await fillUntilRefused(dp);
    expect(isIngestError(err, 'OVERLOADED')).toBe(true);
    expect(dp.status()).toMatchObject({
      ready: false,
      reason: 'the spool is full (spool.maxBytes 1048576 bytes)',
    });
    store.down = false;
    await until(() => dp.status().ready, 'ready again');
    expect(dp.status().reason).toBeUndefined();
    await expect(dp.append('events', [event(1000)])).resolves.toBeUndefined();
    await dp.close(1000);
  });

  // A stop said "draining" and nothing more, whether the grace period stored everything or ran out; a start
  // after a crash or an upgrade looked like any other.
  it('says what a stop left in the spool, what the next start stores and what it did to the schema', async () => {
    const store = new ScriptedStore();
    store.down = true;
    const dir = mkdtempSync(join(tmpdir(), 'dp-'));
    const notices: string[] = [];
    const onNotice = (msg: string) => notices.push(msg);
    const dp = await createDataPath(config(dir), { store, migrate: false, onNotice });
    for (let i = 0; i < 3; i++) await dp.append('events', [event(i)]);
    await dp.close(0);
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatch(
      /^stopped with rows not stored within server\.shutdownGraceMs \(\d+ bytes, 3 rows \(events 3\) not yet sent\): they stay in the spool and are stored at the next start$/,
    );
    store.down = false;
    const again = await createDataPath(config(dir), { store, migrate: false, onNotice });
    expect(notices[1]).toBe(
      'spool: 3 rows (events 3) acknowledged before this start and not yet stored; storing them now',
    );
    await again.close(5_000);
    expect(store.rows).toHaveLength(3);
    expect(notices.slice(2)).toEqual(['stopped: every acknowledged row is stored']);
  });

  // The first append to a table opens its queue and log; the ones after take a shorter path. Both count
  // a written row once it is durable and a refused write by its code.
  it('counts appended rows once written and refused writes by code, on the first append and the later ones', async () => {
    const store = new ScriptedStore();
    store.down = true;
    const registry = new Registry();
    const dir = mkdtempSync(join(tmpdir(), 'dp-'));
    const dp = await createDataPath(config(dir, { spool: { maxBytes: 1_048_576 } }), {
      store,
      migrate: false,
      registry,
    });
    const { written, err } = await fillUntilRefused(dp);
    expect(isIngestError(err, 'OVERLOADED')).toBe(true);
    expect(written).toBeGreaterThan(1);
    const values = async (name: string) => (await registry.getSingleMetric(name)?.get())?.values;
    expect(await values('tracker_datapath_appended_rows_total')).toEqual([
      expect.objectContaining({ labels: { table: 'events' }, value: written }),
    ]);
    expect(await values('tracker_datapath_rejected_total')).toEqual([
      expect.objectContaining({ labels: { code: 'OVERLOADED' }, value: 1 }),
    ]);
    await dp.close(100);
  });

  // The spool-filling alert had to compare spool bytes with a fixed byte count, because nothing said what
  // the spool's limit was; it is exported next to the bytes so the alert is a ratio of it.
  it('exports the configured spool limit next to the spool bytes, so their ratio says how full it is', async () => {
    const store = new ScriptedStore();
    store.down = true;
    const registry = new Registry();
    const dir = mkdtempSync(join(tmpdir(), 'dp-'));
    const dp = await createDataPath(config(dir, { spool: { maxBytes: 2_097_152 } }), {
      store,
      migrate: false,
      registry,
    });
    await dp.append('events', [event(1, { url: 'x'.repeat(100_000) })]);
    const value = async (name: string) =>
      (await registry.getSingleMetric(name)?.get())?.values[0]?.value ?? Number.NaN;
    expect(await value('tracker_datapath_spool_max_bytes')).toBe(2_097_152);
    const ratio = (await value('tracker_datapath_spool_bytes')) / 2_097_152;
    expect(ratio).toBeGreaterThan(0.04);
    expect(ratio).toBeLessThan(1);
    await dp.close(100);
  });

  it('times every fdatasync of the spool, and counts none with the spool fsync off', async () => {
    const syncs = async (fsync: boolean) => {
      const store = new ScriptedStore();
      store.down = true;
      const registry = new Registry();
      const dir = mkdtempSync(join(tmpdir(), 'dp-'));
      const dp = await createDataPath(config(dir, { spool: { fsync } }), { store, migrate: false, registry });
      await dp.append('events', [event(1)]);
      await dp.append('events', [event(2)]);
      const metric = await registry.getSingleMetric('tracker_datapath_spool_sync_seconds')?.get();
      await dp.close(100);
      const count = (v: object) =>
        'metricName' in v && v.metricName === 'tracker_datapath_spool_sync_seconds_count';
      return metric?.values.find(count)?.value;
    };
    expect(await syncs(true)).toBeGreaterThanOrEqual(2);
    expect(await syncs(false)).toBe(0);
  });

  it('keeps memory bounded under a flood while the store is down', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const store = new ScriptedStore();
    store.down = true;
    // A cut batch is read back into memory and held while the store is down, so memory is bounded by the
    // spool's memory budget plus one batch (maxBytes), not by the flood. The events table's own batch is
    // 100 MB and its 10 s delay would cut one mid-flood on a slow machine: an 8 MB batch and no delay
    // trigger make the bound the test asserts independent of how fast the machine runs it.
    const dp: DataPath = await open(store, {
      spool: { fsyncIntervalMs: 2, maxBytes: 96 * 1024 * 1024, memoryBytes: 4 * 1024 * 1024 },
      batching: {
        breaker: { failureThreshold: 2, openMs: 10, maxOpenMs: 50 },
        tables: { events: { strategy: 'size', maxBytes: 8 * 1024 * 1024 } },
      },
    });
    gc();
    const before = process.memoryUsage();
    const payload = 'y'.repeat(2_000);
    let accepted = 0;
    for (let i = 0; i < 2_000; i++) {
      // 25 rows x 2 KB per append, one append at a time: ~100 MB offered in total.
      const batch = Array.from({ length: 25 }, (_v, j) => event(i * 25 + j, { url: payload }));
      const results = await Promise.allSettled([dp.append('events', batch)]);
      if (results[0]?.status === 'fulfilled') accepted += 25;
      else break;
    }
    gc();
    const after = process.memoryUsage();
    const grown = after.heapUsed + after.arrayBuffers - (before.heapUsed + before.arrayBuffers);
    expect(accepted * 2_000).toBeGreaterThan(80 * 1024 * 1024); // most of the flood was accepted...
    expect(grown).toBeLessThan(32 * 1024 * 1024); // ...but stayed on disk, not in memory
    await dp.close(100);
  }, 120_000);
});
