// Crash tests of the JetStream spool (the disk spool's is crash.int.test.ts): a child ingests N events
// through the real data path with spool.kind nats and is SIGKILLed, then restarted. No acknowledged
// event may be lost and none may be stored twice.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, inject, it } from 'vitest';
import { tableDir, undoLastCommit } from '../../../store/testing/torn-commit.ts';
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

  // A kill between the engine's deduplication record of a batch and the commit of its part made the
  // replay look like a duplicate: the whole batch was dropped (a crash run once stored 1,950 of 2,000).
  it('stores a batch whose insert was torn by the kill when it is replayed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nats-torn-'));
    const args = [dir, inject('natsUrl'), `TORN_${Date.now().toString(36)}`, '50'];
    const killed = runChild(['tear', ...args], CHILD);
    expect((await killed.exited).signal, killed.stderr()).toBe('SIGKILL');
    expect(killed.messages.at(-1)).toEqual({ ack: 49 });
    undoLastCommit(tableDir(join(dir, 'chdb'), 'tracker', 'events'));

    const restarted = runChild(['ingest', ...args], CHILD);
    expect(await restarted.next((m) => 'resume' in m), restarted.stderr()).toEqual({ resume: 49 });
    await restarted.next((m) => m.done === true);
    await restarted.exited;
  }, 120_000);
});
