import { mkdirSync, mkdtempSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { DurableLines } from './durable-lines.ts';

const synced = vi.hoisted(() => [] as string[]);
vi.mock('./sync-dir.ts', async (original) => {
  const real = await original<typeof import('./sync-dir.ts')>();
  return {
    syncDir: async (dir: string) => {
      synced.push(dir);
      await real.syncDir(dir);
    },
  };
});

const lines = (path: string) =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));

describe('DurableLines', () => {
  beforeEach(() => {
    synced.length = 0;
  });

  it('creates missing directories and syncs each new directory entry once, on the append that created the file', async () => {
    const root = mkdtempSync(join(tmpdir(), 'lines-'));
    const path = join(root, 'a', 'b', 'letters.jsonl');
    const file = new DurableLines(path);
    await file.append([{ n: 1 }]);
    expect(synced).toEqual([join(root, 'a', 'b'), join(root, 'a'), root]);
    await file.append([{ n: 2 }, { n: 3 }]);
    expect(synced).toHaveLength(3);
    expect(lines(path)).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    expect(file.count).toBe(3);
  });

  it('keeps concurrent appends whole and in call order', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'lines-')), 'l.jsonl');
    const file = new DurableLines(path);
    const big = 'x'.repeat(100_000);
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        file.append([
          { i, big },
          { i, end: true },
        ]),
      ),
    );
    expect(lines(path).map((l) => l.i)).toEqual(Array.from({ length: 20 }, (_, i) => [i, i]).flat());
    expect(file.count).toBe(40);
  });

  it('rejects a failed append without counting it, and lets the next one through', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'lines-')), 'l.jsonl');
    mkdirSync(path); // a directory where the file should be: open fails
    const file = new DurableLines(path);
    await expect(file.append([{ n: 1 }])).rejects.toThrow(/EISDIR/);
    expect(file.count).toBe(0);
    rmdirSync(path);
    await file.append([{ n: 2 }]);
    expect(lines(path)).toEqual([{ n: 2 }]);
    expect(file.count).toBe(1);
  });

  // /status reported the lines written since start: 0 after a restart while the file held dead letters.
  it('counts the lines the file holds, those of an earlier run and those a rewrite left', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'lines-')), 'l.jsonl');
    writeFileSync(path, '{"n":1}\n{"n":2}\n{"n":3}\n');
    const file = new DurableLines(path);
    await expect.poll(() => file.count).toBe(3);
    await file.append([{ n: 4 }]);
    expect(file.count).toBe(4);
    expect(await file.rewrite((e) => (e as { n: number }).n % 2 === 0)).toBe(2);
    expect(file.count).toBe(2);
    expect(lines(path)).toEqual([{ n: 1 }, { n: 3 }]);
    expect(new DurableLines(join(path, 'not-there')).count).toBe(0);
  });
});
