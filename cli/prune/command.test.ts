import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { program } from '../program.ts';

describe('tracker prune', () => {
  // Regression: run where no ingest ran, prune created an empty embedded data directory, reported every
  // table "not in the database" and exited 0, as if there had been nothing to prune.
  it('refuses an embedded data directory that does not exist, and creates none', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'prune-nodata-'));
    const path = join(dir, 'chdb');
    const config = join(dir, 'ingest.json');
    writeFileSync(config, JSON.stringify({ store: { kind: 'embedded', path } }));
    const out: string[] = [];
    const cli = program({ out: (t) => out.push(t), err: () => {}, exit: () => {} });
    await expect(cli.parseAsync(['node', 'tracker', 'prune', '--config', config])).rejects.toThrow(
      `no data at ${path}`,
    );
    expect(existsSync(path)).toBe(false);
    expect(out).toEqual([]);
  });
});
