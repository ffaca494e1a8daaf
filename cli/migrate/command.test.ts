import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { program } from '../program.ts';

describe('tracker migrate', () => {
  // Run without the ingest's --config, migrate would have made an empty embedded store in the working
  // directory and said it was done.
  it('refuses an embedded data directory that does not exist, and creates none', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'migrate-nodata-'));
    const path = join(dir, 'chdb');
    const config = join(dir, 'ingest.json');
    writeFileSync(config, JSON.stringify({ store: { kind: 'embedded', path } }));
    const out: string[] = [];
    const cli = program({ out: (t) => out.push(t), err: () => {}, exit: () => {} });
    await expect(cli.parseAsync(['node', 'tracker', 'migrate', '--config', config])).rejects.toThrow(
      `no data at ${path}`,
    );
    expect(existsSync(path)).toBe(false);
    expect(out).toEqual([]);
  });
});
