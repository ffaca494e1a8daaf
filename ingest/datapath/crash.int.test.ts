// Crash test: a child ingests N events through the real data path and is SIGKILLed at
// random moments, several times, then restarted. No acknowledged event may be lost and none may be
// stored twice: in the end exactly N rows and uniqExact(eid) = N.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { crashRounds } from './testing/crash-rounds.ts';
import { runChild } from './testing/spawn.ts';

const N = 3000;
const KILLS = 5;

describe('the data path under SIGKILL', () => {
  it(`stores exactly ${N} events after ${KILLS} random kills and restarts`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'crash-'));
    const ingest = () => runChild(['ingest', dir, String(N)]);
    expect(await crashRounds({ n: N, kills: KILLS, ingest, dir })).toEqual({ count: N, uniq: N, max: N - 1 });
  }, 300_000);
});
