// The rows a previous run left in the spool, after a restart, on both spools (the JetStream one against a
// real nats-server), the real data path and the embedded engine. One append holds many rows (a batched
// POST is one append), and a backlog is delivered in several batches: recovered(), which the client-eid
// window awaits before it reloads recent eids from the store, must wait for the last of them, and the
// queue must count the backlog's rows and bytes, not its appends.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import type { TableBatching } from '../../common/config/datapath.ts';
import { waitFor } from '../../e2e/env/wait.ts';
import { createStore, type Store } from '../../store/index.ts';
import { parseConfig } from '../config.ts';
import type { DataPath } from './contract.ts';
import { createDataPath, type DataPathConfig } from './datapath.ts';
import { holdInsert } from './testing/held-store.ts';
import { testEvent as event } from './testing/rows.ts';

// chdb binds one data directory per process: every store in this file shares it (databases differ).
const chdbDir = mkdtempSync(join(tmpdir(), 'recovered-int-'));
const opened: DataPath[] = [];
const stores: Store[] = [];
/** A held insert is let go before the close: a close waits for an insert in flight, never tears it. */
const holds: (() => void)[] = [];
afterAll(async () => {
  for (const release of holds) release();
  for (const dp of opened) await dp.close(1000);
  for (const s of stores) await s.close();
});

/** Appends left in the spool, each of ROWS rows: the backlog a restart recovers. */
const APPENDS = 3;
const ROWS = 20;

type Kind = 'disk' | 'nats';
let unique = 0;
/** A database, spool directory and (for nats) stream of its own for each test. */
function names(kind: Kind) {
  const id = `${kind}${Date.now().toString(36)}${unique++}`;
  return {
    kind,
    database: `recovered_${id}`,
    dir: mkdtempSync(join(tmpdir(), 'recovered-spool-')),
    stream: `RECOVERED_${id}`,
    subjectPrefix: `recovered.${id}`,
  };
}
type Names = ReturnType<typeof names>;

function config(n: Names, events: TableBatching): DataPathConfig {
  const nats = { url: inject('natsUrl'), stream: n.stream, subjectPrefix: n.subjectPrefix };
  return parseConfig({
    store: { kind: 'embedded', path: chdbDir, database: n.database },
    spool: n.kind === 'disk' ? { kind: 'disk', dir: n.dir } : { kind: 'nats', dir: n.dir, nats },
    batching: { tables: { events } },
  });
}

/** Runs an ingest that appends the backlog and stops without delivering any of it; its bytes. */
async function leaveBacklog(n: Names): Promise<number> {
  const dp = await createDataPath(config(n, { strategy: 'time', maxDelayMs: 600_000 }));
  for (let a = 0; a < APPENDS; a++)
    await dp.append(
      'events',
      Array.from({ length: ROWS }, (_v, k) => event(a * ROWS + k)),
    );
  const queued = dp.status().queues.events;
  expect(queued?.rows).toBe(APPENDS * ROWS);
  await dp.close(0); // no time to deliver: every row stays in the spool
  return queued?.bytes ?? 0;
}

async function restart(n: Names, events: TableBatching, store?: Store): Promise<DataPath> {
  const dp = await createDataPath(config(n, events), store ? { store, migrate: true } : {});
  opened.push(dp);
  return dp;
}

const count = async (store: Store) =>
  Number((await store.query<{ n: string }>('SELECT count() AS n FROM events'))[0]?.n);

describe.each<Kind>(['disk', 'nats'])('the backlog of the %s spool after a restart', (kind) => {
  it('resolves recovered() only once every recovered row is in the store', async () => {
    const n = names(kind);
    await leaveBacklog(n);
    const real = await createStore({ kind: 'embedded', path: chdbDir, database: n.database });
    stores.push(real);
    // one append per batch; the store takes the first and is slow with the second
    const hold = holdInsert(real, 'events', 2);
    holds.push(hold.release);
    const dp = await restart(n, { strategy: 'hybrid', maxRows: ROWS, maxDelayMs: 20 }, hold.store);
    let resolved = false;
    const recovered = dp.recovered('events').then(() => {
      resolved = true;
    });

    await hold.held;
    expect(await count(real)).toBe(ROWS);
    expect(resolved).toBe(false);

    hold.release();
    await recovered;
    expect(await count(real)).toBe(APPENDS * ROWS);
  });

  it('counts the rows and bytes of the recovered backlog, not its appends', async () => {
    const n = names(kind);
    const bytes = await leaveBacklog(n);
    // The backlog's first batch is being cut as the data path opens, but a take cannot cut anything before
    // it has read the spool (a file or a NATS request), and the status is read in the same turn of the
    // event loop that createDataPath resolved in: it shows what was recovered.
    const dp = await restart(n, { strategy: 'size', maxRows: 10_000 });
    expect(dp.status().queues.events).toEqual({ rows: APPENDS * ROWS, bytes });
    expect(dp.status().spoolBytes).toBeGreaterThanOrEqual(bytes);
  });

  // The size and memory strategies flush only above their thresholds, and nothing else arrives: the rows a
  // previous run left are still delivered at once (a close that ran out of time would have drained them).
  it.each(['size', 'memory'] as const)(
    'delivers a backlog below the thresholds of the %s strategy without new appends',
    async (strategy) => {
      const n = names(kind);
      await leaveBacklog(n);
      const dp = await restart(n, { strategy, maxRows: 10_000 });
      await waitFor(async () => (await count(dp.store)) === APPENDS * ROWS, {
        what: `the ${APPENDS * ROWS} recovered rows in the store`,
        timeoutMs: 20_000,
      });
      await dp.recovered('events');
      expect(dp.status().queues.events?.rows).toBe(0);
    },
  );
});
