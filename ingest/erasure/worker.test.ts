// The erase worker over a real journal directory, with the store's answers scripted: a delete that keeps
// failing is retried and says so, one failing for too long is given up, and a stop at any point leaves
// the request journaled for the next start, which finishes it.
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { IngestError } from '../errors.ts';
import type { ErasureRepository, ErasureStatus } from '../repositories/index.ts';
import { type FileJournal, openFileJournal } from './file-journal.ts';
import { createEraseWorker } from './worker.ts';
import {
  type EraseTiming,
  type EraseWorker,
  type EraseWorkerDeps,
  PENDING_RETRY_AFTER_S,
} from './worker-api.ts';

const VID = '5d7c0a4e-2222-4aaa-8bbb-00000000000a';
const ORG = '0a000000-0000-4000-8000-00000000000a';
const FAST: EraseTiming = { firstRetryMs: 1, maxRetryMs: 4, giveUpAfterMs: 60_000, secondPassMs: 1 };

interface Harness {
  readonly journal: FileJournal;
  /** The status rows appended, in order. */
  readonly rows: Record<string, unknown>[];
  readonly logs: string[];
  /** What each run of the deletes answers (the failed tables), in turn; then success. */
  readonly failures: string[][];
  runs: number;
  deps(over?: Partial<EraseWorkerDeps>): EraseWorkerDeps;
}

async function harness(dir = mkdtempSync(join(tmpdir(), 'erase-worker-'))): Promise<Harness> {
  const journal = await openFileJournal(dir);
  const h: Harness = {
    journal,
    rows: [],
    logs: [],
    failures: [],
    runs: 0,
    deps: (over = {}) => ({
      journal,
      repository,
      settled: async () => {},
      eraseDeadLetters: async () => 0,
      append: async (_table, rows) => {
        h.rows.push(...rows);
      },
      now: Date.now,
      log: (level, msg) => h.logs.push(`${level}: ${msg}`),
      ...over,
    }),
  };
  const stored = (id: string): ErasureStatus | undefined => {
    const last = h.rows.filter((r) => r.request_id === id).at(-1);
    return last && { status: String(last.status), detail: String(last.detail) };
  };
  const repository: ErasureRepository = {
    plan: () => [
      { table: 'events', sql: '', params: {} },
      { table: 'ltv', sql: '', params: {} },
    ],
    linked: async () => ({ vids: [], uids: [], ips: [] }),
    run: async () => {
      h.runs++;
      return h.failures.shift() ?? [];
    },
    status: async (id) => stored(id),
  };
  return h;
}

const statuses = (h: Harness) => h.rows.map((r) => r.status);
/** Resolves once every promise continuation queued so far has run (an immediate runs after them all). */
const settle = () => new Promise((r) => setImmediate(r));
const journaled = (h: Harness) => readdirSync(h.journal.dir);

describe('the erase worker', () => {
  it('journals a request, runs it, records done, and drops the entry after the second pass', async () => {
    const h = await harness();
    const worker = createEraseWorker(h.deps(), FAST);
    const { requestId, tables } = await worker.submit({ vid: VID });
    expect(tables).toEqual(['events', 'ltv']);
    await expect.poll(() => journaled(h)).toEqual([]);
    expect(statuses(h)).toEqual(['pending', 'done']);
    expect(h.runs).toBe(2);
    expect(await worker.status(requestId)).toEqual({ status: 'done', detail: '' });
    // the status rows name the request, never the person
    expect(JSON.stringify(h.rows)).not.toContain(VID);
  });

  it('retries a failing delete with growing delays, its status saying so, until it succeeds', async () => {
    const h = await harness();
    h.failures.push(['ltv'], ['events', 'ltv'], ['ltv']);
    const now = Date.UTC(2026, 0, 1);
    const timing = { ...FAST, firstRetryMs: 2, maxRetryMs: 4 };
    const worker = createEraseWorker(h.deps({ now: () => now }), timing);
    const { requestId } = await worker.submit({ vid: VID });
    await expect.poll(() => statuses(h)).toContain('done');
    const at = (ms: number) => new Date(now + ms).toISOString();
    expect(h.rows.map((r) => [r.status, r.detail])).toEqual([
      ['pending', ''],
      ['retrying', `attempt 1 failed on ltv; next attempt at ${at(2)}`],
      ['retrying', `attempt 2 failed on events,ltv; next attempt at ${at(4)}`],
      ['retrying', `attempt 3 failed on ltv; next attempt at ${at(4)}`],
      ['done', ''],
    ]);
    await expect.poll(() => journaled(h)).toEqual([]);
    expect(await worker.status(requestId)).toEqual({ status: 'done', detail: '' });
  });

  it('gives a request up once it fails past giveUpAfterMs: failed, naming the tables, entry gone', async () => {
    const h = await harness();
    let now = 1_000_000;
    const failing = { ...h.deps().repository, run: async () => ['ltv'] };
    const worker = createEraseWorker(h.deps({ now: () => now, repository: failing }), FAST);
    const { requestId } = await worker.submit({ vid: VID });
    await expect.poll(() => statuses(h)).toContain('retrying');
    now += FAST.giveUpAfterMs;
    await expect.poll(() => journaled(h)).toEqual([]);
    expect(await worker.status(requestId)).toEqual({ status: 'failed', detail: 'ltv' });
    expect(h.logs).toContain(`error: erase request ${requestId} given up (first pass) on ltv`);
  });

  it('answers OVERLOADED, and records nothing, when the journal cannot be written', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'erase-worker-'));
    const h = await harness(join(dir, 'erasures'));
    // a file where the journal's directory was: every write fails
    rmSync(h.journal.dir, { recursive: true });
    writeFileSync(h.journal.dir, '');
    const worker = createEraseWorker(h.deps(), FAST);
    const refused = await worker.submit({ vid: VID }).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(IngestError);
    expect((refused as IngestError).code).toBe('OVERLOADED');
    expect(h.rows).toEqual([]);
  });

  // Regression: erase requests were accepted faster than they drain (one at a time, seconds each), so a
  // flood of them (anyone can get a vid and its token) queued without end.
  it('refuses a request past maxPending with OVERLOADED and Retry-After, dropping none it accepted', async () => {
    const h = await harness();
    const store = Promise.withResolvers<void>();
    const worker = createEraseWorker(h.deps({ maxPending: 2, settled: () => store.promise }), FAST);
    // asked at once: the ones still being journaled count too
    const asked = await Promise.allSettled([1, 2, 3].map(() => worker.submit({ vid: VID })));
    expect(asked.map((a) => a.status)).toEqual(['fulfilled', 'fulfilled', 'rejected']);
    const refused = (asked[2] as PromiseRejectedResult).reason as IngestError;
    expect(refused).toMatchObject({ code: 'OVERLOADED', retryAfterS: PENDING_RETRY_AFTER_S });
    expect(refused.message).toMatch(/2 erase requests are pending/);
    expect(journaled(h)).toHaveLength(2);
    store.resolve();
    await expect.poll(() => journaled(h)).toEqual([]);
    expect(statuses(h)).toEqual(['pending', 'pending', 'done', 'done']);
    // once they are finished there is room again
    await worker.submit({ vid: VID });
    await expect.poll(() => journaled(h)).toEqual([]);
  });

  it('leaves a request journaled when the process stops while it waits, and the next start finishes it', async () => {
    const h = await harness();
    // the data path drains: settled() rejects, as it does once the process stops
    let drain: (err: Error) => void = () => {};
    const settled = () => new Promise<void>((_, reject) => (drain = reject));
    const first = createEraseWorker(h.deps({ settled }), FAST);
    const { requestId } = await first.submit({ vid: VID });
    first.close();
    drain(new IngestError('NOT_READY'));
    await settle();
    expect(statuses(h)).toEqual(['pending']);
    expect(journaled(h)).toEqual([`${requestId}.json`]);

    const next = createEraseWorker(h.deps(), FAST);
    await next.resume();
    await expect.poll(() => journaled(h)).toEqual([]);
    expect(await next.status(requestId)).toEqual({ status: 'done', detail: '' });
  });

  it('does not take a delete cut short by the stop for a failure: the request stays journaled', async () => {
    const h = await harness();
    let worker: EraseWorker | undefined;
    let ran: () => void = () => {};
    const running = new Promise<void>((r) => (ran = r));
    const stopping: ErasureRepository = {
      ...h.deps().repository,
      // the process stops while the deletes run, and the closing store fails them
      run: async () => {
        worker?.close();
        ran();
        return ['events', 'ltv'];
      },
    };
    worker = createEraseWorker(h.deps({ repository: stopping }), FAST);
    const { requestId } = await worker.submit({ vid: VID });
    await running;
    await settle();
    expect(statuses(h)).toEqual(['pending']);
    expect(journaled(h)).toEqual([`${requestId}.json`]);
  });

  it('resumes the good entries of a journal with a damaged one, and logs the damaged one', async () => {
    const h = await harness();
    const first = createEraseWorker(h.deps({ settled: () => new Promise(() => {}) }), FAST);
    const { requestId } = await first.submit({ vid: VID });
    first.close();
    writeFileSync(join(h.journal.dir, 'broken.json'), '{');
    const next = createEraseWorker(h.deps(), FAST);
    await next.resume();
    await expect.poll(() => journaled(h)).toEqual(['broken.json']);
    expect(await next.status(requestId)).toEqual({ status: 'done', detail: '' });
    expect(h.logs).toContain(
      `error: erasure journal ${h.journal.dir}: broken.json: not JSON: left in place, not resumed`,
    );
    expect(h.logs).toContain('info: resuming 1 erase request(s) from the journal');
  });

  // An erase request said done while a destination's backlog still held the person's events: they were
  // sent once the destination answered again. The destinations' part now comes before done.
  it('is not done before the destinations dropped the person, and retries that part while it fails', async () => {
    const h = await harness();
    const handed: string[] = [];
    let refusals = 2;
    const worker = createEraseWorker(
      h.deps({
        forwarding: async (entry) => {
          handed.push(entry.target.vid ?? '');
          if (refusals-- > 0) throw new Error('disk full');
          // nothing of the store is deleted before the destinations have the request
          expect(h.runs).toBe(0);
        },
      }),
      FAST,
    );
    const { requestId } = await worker.submit({ vid: VID });
    await expect.poll(() => journaled(h)).toEqual([]);
    expect(handed).toEqual([VID, VID, VID]);
    expect(statuses(h)).toEqual(['pending', 'retrying', 'retrying', 'done']);
    expect(h.rows.find((r) => r.status === 'retrying')?.detail).toMatch(/failed on destination backlogs/);
    expect(await worker.status(requestId)).toEqual({ status: 'done', detail: '' });
  });

  // The data path's dead letters (rows the store refused) kept the person's rows after done: the store's
  // deletes never reach that file. The request now rewrites it, and retries while that fails.
  it('is not done before the data path dead letters lost the person, and retries that while it fails', async () => {
    const h = await harness();
    const OTHER = '1d2c3b4a-0000-4000-8000-0000000000ff';
    let letters: unknown[] = [{ vid: VID, oid: ORG }, { vid: OTHER, oid: ORG }, { params: { ehash: 'x' } }];
    let refusals = 1;
    const worker = createEraseWorker(
      h.deps({
        eraseDeadLetters: async (matches) => {
          if (refusals-- > 0) throw new Error('disk full');
          const kept = letters.filter((row) => !matches(row));
          const removed = letters.length - kept.length;
          letters = kept;
          return removed;
        },
      }),
      FAST,
    );
    const { requestId } = await worker.submit({ vid: VID, oid: ORG });
    await expect.poll(() => journaled(h)).toEqual([]);
    expect(letters).toEqual([{ vid: OTHER, oid: ORG }, { params: { ehash: 'x' } }]);
    expect(statuses(h)).toEqual(['pending', 'retrying', 'done']);
    expect(h.rows.find((r) => r.status === 'retrying')?.detail).toMatch(/failed on data path dead letters/);
    expect(h.logs).toContain(`info: erase request ${requestId}: 1 data path dead letters removed`);
    expect(h.logs.join('\n')).not.toContain(VID);
  });

  // The deletes reached the ids linked to a person erased by email; the destinations' mark and the data
  // path's dead letters named the email hash alone, and kept (or forwarded) the linked ids' rows.
  it('hands the linked ids to the destinations and the dead letters before the deletes and done', async () => {
    const h = await harness();
    const LINKED_VID = '1d2c3b4a-0000-4000-8000-0000000000a1';
    const LINKED_UID = '1d2c3b4a-0000-4000-8000-0000000000b1';
    const SOMEONE = '1d2c3b4a-0000-4000-8000-0000000000c1';
    const linking = {
      ...h.deps().repository,
      linked: async () => ({ vids: [LINKED_VID], uids: [LINKED_UID], ips: ['198.51.100.7'] }),
    };
    const handed: unknown[] = [];
    let letters: unknown[] = [{ vid: LINKED_VID }, { uid: LINKED_UID }, { vid: SOMEONE }];
    const worker = createEraseWorker(
      h.deps({
        repository: linking,
        forwarding: async (request) => {
          handed.push({ linked: request.linked, runs: h.runs });
        },
        eraseDeadLetters: async (matches) => {
          const kept = letters.filter((row) => !matches(row));
          const removed = letters.length - kept.length;
          letters = kept;
          return removed;
        },
      }),
      FAST,
    );
    await worker.submit({ ehash: 'h1' });
    await expect.poll(() => journaled(h)).toEqual([]);
    const linked = { vids: [LINKED_VID], uids: [LINKED_UID] };
    // first the named ids alone, then (on each pass) the linked ones, before that pass's deletes
    expect(handed).toEqual([
      { linked: undefined, runs: 0 },
      { linked, runs: 0 },
      { linked, runs: 1 },
    ]);
    expect(letters).toEqual([{ vid: SOMEONE }]);
    expect(statuses(h)).toEqual(['pending', 'done']);
  });

  // The lookup read the events the first pass deletes and was kept in memory only: a run resumed after a
  // stop that came after those deletes found nothing and left the linked ids' rows. It is now journaled
  // first, and nothing is deleted before it is.
  it('journals the linked ids and IPs before any delete, and deletes nothing while that fails', async () => {
    const h = await harness();
    const LINKED_VID = '1d2c3b4a-0000-4000-8000-0000000000a1';
    const found = { vids: [LINKED_VID], uids: [], ips: ['198.51.100.7'] };
    const linking = { ...h.deps().repository, linked: async () => found };
    const recorded: unknown[] = [];
    let refusals = 1;
    const journal: FileJournal = {
      ...h.journal,
      update: async (entry) => {
        recorded.push({ linked: entry.linked, runs: h.runs });
        if (refusals-- > 0) throw new Error('disk full');
        await h.journal.update(entry);
      },
    };
    await createEraseWorker(h.deps({ journal, repository: linking }), FAST).submit({ ehash: 'h1' });
    await expect.poll(() => journaled(h)).toEqual([]);
    // refused, then written, before the first delete; the second pass found nothing more to write
    expect(recorded).toEqual([
      { linked: found, runs: 0 },
      { linked: found, runs: 0 },
    ]);
    expect(statuses(h)).toEqual(['pending', 'retrying', 'done']);
    expect(h.rows.find((r) => r.status === 'retrying')?.detail).toMatch(/failed on erasure journal/);
  });

  // A mark is replaced whole: a retry's first step that named the request's own ids alone shrank the mark
  // the run before had grown with the linked ids, and a backlog could send their events in between.
  it('keeps the linked ids in what the destinations are handed when a failed run is tried again', async () => {
    const h = await harness();
    const LINKED_UID = '1d2c3b4a-0000-4000-8000-0000000000b1';
    const linking = {
      ...h.deps().repository,
      linked: async () => ({ vids: [], uids: [LINKED_UID], ips: [] }),
    };
    h.failures.push(['ltv']);
    const handed: unknown[] = [];
    const forwarding: EraseWorkerDeps['forwarding'] = async (request) => void handed.push(request.linked);
    await createEraseWorker(h.deps({ repository: linking, forwarding }), FAST).submit({ ehash: 'h1' });
    await expect.poll(() => journaled(h)).toEqual([]);
    const linked = { vids: [], uids: [LINKED_UID] };
    expect(handed).toEqual([undefined, linked, linked, linked, linked]);
  });
});
