// SIGTERM with queued events: the process drains its queues to the store before it exits.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runChild } from './testing/spawn.ts';

describe('SIGTERM', () => {
  it('delivers every queued event before the process exits', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sigterm-'));
    const child = runChild(['hold', dir, '500']);
    const ready = await child.next((m) => 'ready' in m);
    expect(ready.ready).toBe(500); // all still queued: the time strategy holds them for 10 minutes
    child.proc.kill('SIGTERM');
    await child.next((m) => m.closed === true);
    expect(await child.exited).toEqual({ code: 0, signal: null });

    const count = runChild(['count', dir]);
    expect(await count.next((m) => 'count' in m)).toEqual({ count: 500, uniq: 500, max: 499 });
  }, 120_000);
});
