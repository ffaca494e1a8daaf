// A batch is replayed with its deduplication token after a crash: the engine must store it when the killed
// run never committed it, and drop it when it did. Each run of the engine is a child process (chdb keeps
// one data directory per process), ended by SIGKILL where a crash is meant.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tableDir, undoLastCommit } from './testing/torn-commit.ts';

const CHILD = fileURLToPath(new URL('./testing/engine-child.ts', import.meta.url));

type Step = { insert: number; token: string } | { merge: true } | { kill: true };
interface Run {
  torn: { table: string; part: string; blockIds: string[] }[];
  xs: number[];
}

function run(dir: string, steps: Step[]): Run {
  const child = spawnSync(process.execPath, [CHILD, dir, JSON.stringify(steps)], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  const last = child.stdout.trim().split('\n').at(-1);
  if (!last)
    throw new Error(`engine child printed nothing (${child.status ?? child.signal}): ${child.stderr}`);
  return JSON.parse(last) as Run;
}

const insert = (x: number): Step => ({ insert: x, token: `batch-${x}` });
const KILL: Step = { kill: true };

describe('an insert replayed after the engine was killed', () => {
  it('is stored when the kill came between its deduplication record and its part commit', () => {
    const dir = mkdtempSync(join(tmpdir(), 'torn-'));
    run(dir, [insert(1), insert(2), KILL]);
    const part = undoLastCommit(tableDir(dir, 'torn', 'rows'));

    const replayed = run(dir, [insert(2)]);
    expect(replayed.xs).toEqual([1, 2]);
    expect(replayed.torn).toEqual([{ table: 'torn.rows', part, blockIds: [expect.any(String)] }]);
    // and from then on it is deduplicated again
    expect(run(dir, [insert(2), insert(1)]).xs).toEqual([1, 2]);
  });

  it('is still dropped as a duplicate when its part was committed before the kill', () => {
    const dir = mkdtempSync(join(tmpdir(), 'torn-'));
    run(dir, [insert(1), insert(2), KILL]);
    expect(run(dir, [insert(2), insert(1)])).toEqual({ torn: [], xs: [1, 2] });
  });

  it('is still dropped as a duplicate when its part was merged into another before the kill', () => {
    const dir = mkdtempSync(join(tmpdir(), 'torn-'));
    run(dir, [insert(1), insert(2), insert(3), { merge: true }, KILL]);
    expect(run(dir, [insert(3), insert(2)])).toEqual({ torn: [], xs: [1, 2, 3] });
  });
});
