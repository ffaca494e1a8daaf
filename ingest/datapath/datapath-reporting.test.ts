// The data path with a scripted store (no engine): poison rows, overload, draining, bounded memory.
// The same behaviours against the real engine are in datapath.int.test.ts.
// Here: what the data path tells: onError on every retry, notices at start and stop, metrics.
// The scripted store and shared setup are testing/scripted-store.ts.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { isIngestError } from '../errors.ts';
import { createDataPath } from './datapath.ts';
import type { InsertFailure } from './delivery.ts';
import { config, event, fillUntilRefused, ScriptedStore, until } from './testing/scripted-store.ts';

describe('createDataPath (scripted store)', () => {
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
});
