// The data path with a scripted store (no engine): poison rows, overload, draining, bounded memory.
// The same behaviours against the real engine are in datapath.int.test.ts.
// Here: settled(), what an erasure waits for.
// The scripted store and shared setup are testing/scripted-store.ts.
import { describe, expect, it } from 'vitest';
import { event, open, ScriptedStore, until } from './testing/scripted-store.ts';

describe('createDataPath (scripted store)', () => {
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
});
