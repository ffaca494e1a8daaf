// The erase worker stopped at any point (testing/worker-harness.ts): the request stays journaled for the
// next start, which finishes it, and a journal with a damaged entry resumes the good ones.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { IngestError } from '../errors.ts';
import type { ErasureRepository } from '../repositories/index.ts';
import { FAST, harness, journaled, settle, statuses, VID } from './testing/worker-harness.ts';
import { createEraseWorker } from './worker.ts';
import type { EraseWorker } from './worker-api.ts';

describe('the erase worker across a stop', () => {
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
});
