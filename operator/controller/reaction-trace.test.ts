// The reaction trace is off unless a file is named; on, every record is one JSON line, appended.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { reactionTrace } from './reaction-trace.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('reactionTrace', () => {
  it('is off without a file', () => {
    expect(reactionTrace('')).toBeUndefined();
  });

  it('appends one JSON line per reaction', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'reaction-trace-'));
    dirs.push(dir);
    const file = join(dir, 'reactions.jsonl');
    const trace = reactionTrace(file);
    trace?.record({ cluster: 'ns/a', step: 'credentials', ms: 3.25, waitedMs: 0.5, at: 1 });
    trace?.record({ cluster: 'ns/a', step: 'status', ms: 9, waitedMs: 0, statusWaitMs: 7, at: 2 });
    await trace?.close();
    const lines = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toEqual([
      { cluster: 'ns/a', step: 'credentials', ms: 3.25, waitedMs: 0.5, at: 1 },
      { cluster: 'ns/a', step: 'status', ms: 9, waitedMs: 0, statusWaitMs: 7, at: 2 },
    ]);
  });
});
