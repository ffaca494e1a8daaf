// What an erase request reaches beyond the store's tables (testing/worker-harness.ts): the destinations'
// backlogs and the data path's dead letters, for the person's own ids and those linked to them, each
// before the request is done and retried while it fails; the linked ids journaled before any delete.
import { describe, expect, it } from 'vitest';
import type { FileJournal } from './file-journal.ts';
import { FAST, harness, journaled, ORG, statuses, VID } from './testing/worker-harness.ts';
import { createEraseWorker } from './worker.ts';
import type { EraseWorkerDeps } from './worker-api.ts';

describe('the erase worker beyond the store', () => {
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
