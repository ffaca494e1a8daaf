// Crash test of the JetStream spool (the disk spool's is crash.int.test.ts): a child ingests N events
// through the real data path with spool.kind nats and is SIGKILLed at random moments, several times,
// then restarted. No acknowledged event may be lost and none may be stored twice.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, inject, it } from 'vitest';
import { crashRounds } from '../testing/crash-rounds.ts';
import { runChild } from '../testing/spawn.ts';

const CHILD = fileURLToPath(new URL('../testing/nats-child.ts', import.meta.url));
const N = 2000;
const KILLS = 4;

describe('the JetStream spool under SIGKILL', () => {
  it(`stores exactly ${N} events after ${KILLS} random kills and restarts`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nats-crash-'));
    const args = [dir, inject('natsUrl'), `CRASH_${Date.now().toString(36)}`, String(N)];
    const ingest = () => runChild(['ingest', ...args], CHILD);
    const result = await crashRounds({ n: N, kills: KILLS, ingest, dir, script: CHILD });
    expect(result).toEqual({ count: N, uniq: N, max: N - 1 });
  }, 300_000);
});
