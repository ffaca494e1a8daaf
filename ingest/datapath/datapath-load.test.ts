// The data path with a scripted store (no engine): poison rows, overload, draining, bounded memory.
// The same behaviours against the real engine are in datapath.int.test.ts.
// Here: load: concurrent appends in reused memory, a full spool (OVERLOADED, relief, readiness) and
// bounded memory under a flood.
// The scripted store and shared setup are testing/scripted-store.ts.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { isIngestError } from '../errors.ts';
import type { DataPath } from './contract.ts';
import { testEid } from './testing/rows.ts';
import {
  event,
  FAST_BREAKER,
  fillUntilRefused,
  open,
  ScriptedStore,
  until,
} from './testing/scripted-store.ts';

describe('createDataPath (scripted store)', () => {
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
