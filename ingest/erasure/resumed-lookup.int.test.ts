// An erase request by email stopped after its first pass had deleted the person's events (the process
// stopped while the deletes of the other tables ran) was resumed at the next start with nothing to go on:
// the linked vids and uids, and the IPs of the person's events, are read from those events, and were kept
// in memory only. The resumed run found none of them, left the other device's visitor and session rows,
// the rollups by IP and the linked ids' dead letters and queued events, and reported done. The lookup is
// now recorded in the request's journal entry before any delete. A real embedded store with the migrated
// schema (its materialized views fill the rollups), the real erasure repository and file journal; the
// stop is the worker closed while its deletes run, the restart a new worker on the same journal.
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyMigrations } from '../../schema/index.ts';
import { EmbeddedStore } from '../../store/index.ts';
import { parseConfig } from '../config.ts';
import { type ErasureRepository, erasureRepository } from '../repositories/erasures.ts';
import { openFileJournal } from './file-journal.ts';
import { createEraseWorker } from './worker.ts';
import type { EraseTiming, EraseWorker, EraseWorkerDeps, ForwardedRequest } from './worker-api.ts';

const DB = 'resume_db';
const FAST: EraseTiming = { firstRetryMs: 1, maxRetryMs: 4, giveUpAfterMs: 60_000, secondPassMs: 1 };
const OID = '0a000000-0000-4000-8000-00000000f001';
const EHASH = 'ehash-of-dana';
/** The browser the person signed up on, their uid, and the other device they logged in on. */
const VID = 'a9000000-0000-4000-8000-00000000f0a1';
const UID = 'a9000000-0000-4000-8000-00000000f0b1';
const DEVICE = 'a9000000-0000-4000-8000-00000000f0a2';
const OTHER = 'a9000000-0000-4000-8000-00000000f0c1';
const [HOME_IP, WORK_IP, OTHER_IP] = ['198.51.100.7', '203.0.113.9', '192.0.2.44'];

let store: EmbeddedStore;
let repository: ErasureRepository;
beforeAll(async () => {
  const path = mkdtempSync(join(tmpdir(), 'erase-resumed-'));
  store = await EmbeddedStore.open({ path, database: DB });
  await applyMigrations(store, { database: DB });
  repository = erasureRepository(
    store,
    parseConfig({ store: { kind: 'embedded', path, database: DB } }).store,
  );
  const event = (vid: string, ip: string, more: Record<string, unknown> = {}) => ({
    eid: crypto.randomUUID(),
    vid,
    oid: OID,
    ip,
    ename: 'page_view',
    ...more,
  });
  await store.insert(
    'events',
    [
      event(VID, HOME_IP),
      event(VID, HOME_IP, { uid: UID, ename: 'signup', params: { ehash: EHASH } }),
      event(DEVICE, WORK_IP, { uid: UID, ename: 'login' }),
      event(DEVICE, WORK_IP),
      event(OTHER, OTHER_IP),
    ],
    { dedupToken: 'seed' },
  );
});
afterAll(() => store.close());

const distinct = async (table: string, column: string) =>
  (await store.query<{ v: string }>(`SELECT DISTINCT toString(${column}) AS v FROM ${table} ORDER BY v`)).map(
    (r) => r.v,
  );

function worker(journal: EraseWorkerDeps['journal'], over: Partial<EraseWorkerDeps>): EraseWorker {
  return createEraseWorker(
    {
      journal,
      repository,
      settled: async () => {},
      eraseDeadLetters: async () => 0,
      append: (table, rows) => store.insert(table, rows, { dedupToken: crypto.randomUUID() }),
      now: Date.now,
      log: () => {},
      ...over,
    },
    FAST,
  );
}

describe('an erase request by email resumed after its first pass deleted the events', () => {
  it("still erases the linked ids' rows, their queued events and dead letters, and the rollups by IP", async () => {
    expect(await distinct('visitors', 'vid')).toEqual([VID, DEVICE, OTHER].sort());
    expect(await distinct('ips', 'ip')).toEqual([HOME_IP, WORK_IP, OTHER_IP].sort());
    const journal = await openFileJournal(mkdtempSync(join(tmpdir(), 'erase-resumed-journal-')));

    // the first run deletes the events, then the process stops: the other deletes never run
    let first: EraseWorker | undefined;
    let stopped: () => void = () => {};
    const stopping = new Promise<void>((r) => (stopped = r));
    const cut: ErasureRepository = {
      ...repository,
      async run(statements) {
        const events = statements.filter((s) => s.table === 'events');
        const failed = await repository.run(events);
        first?.close();
        stopped();
        return [...failed, ...statements.filter((s) => s.table !== 'events').map((s) => s.table)];
      },
    };
    first = worker(journal, { repository: cut });
    const { requestId } = await first.submit({ ehash: EHASH, oid: OID });
    await stopping;
    expect(await distinct('events', 'vid')).toEqual([OTHER]);
    expect(await distinct('visitors', 'vid')).toEqual([VID, DEVICE, OTHER].sort());
    expect(readdirSync(journal.dir)).toEqual([`${requestId}.json`]);
    // what the lookup found is in the entry (and only there, while the request is unfinished)
    const entry = JSON.parse(readFileSync(join(journal.dir, `${requestId}.json`), 'utf8'));
    expect(entry.linked.ips.sort()).toEqual([HOME_IP, WORK_IP].sort());

    // the next start resumes it
    const handed: ForwardedRequest[] = [];
    let letters: unknown[] = [
      { vid: DEVICE, oid: OID },
      { uid: UID, oid: OID },
      { vid: OTHER, oid: OID },
    ];
    const next = worker(journal, {
      forwarding: async (request) => void handed.push(request),
      eraseDeadLetters: async (matches) => {
        const kept = letters.filter((row) => !matches(row));
        const removed = letters.length - kept.length;
        letters = kept;
        return removed;
      },
    });
    await next.resume();
    await expect.poll(() => readdirSync(journal.dir), { timeout: 30_000 }).toEqual([]);
    next.close();
    expect(await next.status(requestId)).toEqual({ status: 'done', detail: '' });

    expect(await distinct('visitors', 'vid')).toEqual([OTHER]);
    for (const table of ['ips', 'dailies'])
      expect({ table, left: await distinct(table, 'ip') }).toEqual({ table, left: [OTHER_IP] });
    // the destinations were told of the linked ids from the resumed run's first step on
    const linked = { vids: [VID, DEVICE].sort(), uids: [UID] };
    expect(handed.length).toBeGreaterThan(0);
    for (const request of handed) {
      expect({ vids: [...(request.linked?.vids ?? [])].sort(), uids: request.linked?.uids }).toEqual(linked);
      expect(JSON.stringify(request)).not.toContain(HOME_IP);
    }
    expect(letters).toEqual([{ vid: OTHER, oid: OID }]);
  });
});
