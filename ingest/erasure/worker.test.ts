// The erase worker over a real journal directory, with the store's answers scripted
// (testing/worker-harness.ts): a request journaled, run and recorded done; a delete that keeps failing is
// retried and says so, one failing for too long is given up; a journal that cannot be written and too many
// pending requests are refused. A stop and the next start: worker-stop.test.ts; what the person left
// outside the store's tables: worker-outside-store.test.ts.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { IngestError } from '../errors.ts';
import { FAST, harness, journaled, statuses, VID } from './testing/worker-harness.ts';
import { createEraseWorker } from './worker.ts';
import { PENDING_RETRY_AFTER_S } from './worker-api.ts';

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
});
