// The helper that runs the real ingest for browser and SQL tests. An ingest that ended during start-up
// used to leave its process registered: the start failed, and the stop() of the test's cleanup waited for
// an exit event already emitted, until the hook's timeout, and the ingest's own words were lost.
import { expect, it } from 'vitest';
import { ingestProcess } from './ingest-process.ts';

it('an ingest that cannot start fails start() with its output, and stop() returns at once', async () => {
  // a configuration the ingest refuses as it loads it
  const ingest = await ingestProcess({ batching: { tables: { events: { strategy: 'no-such-strategy' } } } });
  const failure = await ingest.start().then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(failure).toBeInstanceOf(Error);
  // the ingest's own account of why, from its output
  expect((failure as Error).message).toMatch(/STARTUP_INVALID[\s\S]*batching\.tables\.events\.strategy/);
  // before, this waited for an exit event the process had emitted already
  await ingest.stop();
  expect(ingest.running).toBe(false);
});
