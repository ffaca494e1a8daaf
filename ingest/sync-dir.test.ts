import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { syncDir } from './sync-dir.ts';

describe('syncDir', () => {
  const made: string[] = [];
  afterAll(() => Promise.all(made.map((d) => rm(d, { recursive: true, force: true }))));

  it('syncs a directory, and rejects one that is not there (a failed sync is never silent)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sync-dir-'));
    made.push(dir);
    await expect(syncDir(dir)).resolves.toBeUndefined();
    await expect(syncDir(join(dir, 'missing'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
