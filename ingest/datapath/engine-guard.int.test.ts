// The starvation guard on the real engine: an idle-class embedded engine leaves SCHED_IDLE while a batch
// has been in delivery for longer than the guard's bound, and goes back once the store has it. The
// data path's time is a hand-driven clock: what is asserted is the order of events, not their timing.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { EmbeddedStore } from '../../store/index.ts';
import { SCHED_IDLE, SCHED_OTHER } from '../../store/native/sched.ts';
import { policyOf, threads } from '../../store/testing/threads.ts';
import { parseConfig } from '../config.ts';
import { ManualClock } from './clock.ts';
import type { DataPath } from './contract.ts';
import { createDataPath } from './datapath.ts';
import { ENGINE_GUARD_EVERY_MS, ENGINE_LAG_MS } from './engine-guard.ts';
import { holdInsert } from './testing/held-store.ts';
import { testEid as eid } from './testing/rows.ts';

let dp: DataPath | undefined;
/** Lets a held insert go, so that close() (which waits for inserts in flight) ends even after a failure. */
let release = () => {};
afterAll(async () => {
  release();
  await dp?.close(1000);
});

/** The policies of the threads named `names` (the engine's merge pool, its insert thread). */
const policies = (...names: string[]) =>
  new Set(
    threads()
      .filter((t) => names.includes(t.name))
      .map((t) => policyOf(t.tid)),
  );
const ENGINE = ['MergeMutate', 'WorkerThread'];

it.runIf(process.platform === 'linux')(
  'lifts an idle-class engine out of SCHED_IDLE while a batch is overdue, and returns it once stored',
  async () => {
    const path = mkdtempSync(join(tmpdir(), 'engine-guard-'));
    const real = await EmbeddedStore.open({ path, database: 'tracker', engineNice: 10, engineIdle: true });
    // where the process may not leave the idle class there is nothing to guard (engine-priority.ts)
    expect(real.scheduling).toEqual({ mode: 'idle' });
    const held = holdInsert(real, 'payments', 1);
    release = held.release;
    const clock = new ManualClock();
    const config = parseConfig({
      store: { kind: 'embedded', path, database: 'tracker' },
      spool: { dir: mkdtempSync(join(tmpdir(), 'spool-')) },
    });
    dp = await createDataPath(config, { store: held.store, clock });
    // (engine threads the migrations' queries started on libuv's pool join at the next pass)
    expect(policies('WorkerThread')).toEqual(new Set([SCHED_IDLE]));

    // payments flush at once
    const appended = dp.append('payments', [{ id: eid(7), revenue: 9.5, currency: 'EUR' }]);
    await clock.advance(0);
    await appended;
    await held.held;
    // the batch is in delivery and goes nowhere: once overdue past the bound, the engine is lifted
    await clock.advance(ENGINE_LAG_MS - 2 * ENGINE_GUARD_EVERY_MS);
    expect(policies('WorkerThread')).toEqual(new Set([SCHED_IDLE]));
    await clock.advance(4 * ENGINE_GUARD_EVERY_MS);
    expect(policies(...ENGINE)).toEqual(new Set([SCHED_OTHER]));

    held.release();
    const stored = () => real.query('SELECT count() AS n FROM payments WHERE id = {id:UUID}', { id: eid(7) });
    await expect.poll(stored, { timeout: 60_000 }).toEqual([{ n: 1 }]);
    // the delivery ends (its commit) on the data path's clock
    await clock.advance(ENGINE_GUARD_EVERY_MS);
    await clock.advance(2 * ENGINE_GUARD_EVERY_MS);
    expect(policies(...ENGINE)).toEqual(new Set([SCHED_IDLE]));
  },
);
