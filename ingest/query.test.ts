// `node ingest/query.ts` run where no ingest ever ran: it used to create an empty data directory there and
// answer "Unknown table events".
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const QUERY = new URL('./query.ts', import.meta.url).pathname;

describe('query.ts without a data directory', () => {
  it('says where it looked and creates nothing', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'query-'));
    // no SQL endpoint answers on this port, so the data directory would be opened
    const env = { ...process.env, TRACKER_SQL__PORT: '1' };
    const res = spawnSync(process.execPath, [QUERY, 'SELECT 1'], { cwd, env, encoding: 'utf8' });
    expect(res.status, res.stderr).toBe(1);
    expect(res.stderr).toContain('query failed: no data at ./data/chdb: run this where the ingest ran');
    expect(existsSync(join(cwd, 'data'))).toBe(false);
  });
});

describe('query.ts --help', () => {
  // Regression: --help answered "query failed: Unknown option '--help'" and exit 1.
  it('prints its usage and exits 0 without opening anything', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'query-help-'));
    const res = spawnSync(process.execPath, [QUERY, '--help'], { cwd, encoding: 'utf8' });
    expect(res.status, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/^Usage: node ingest\/query\.ts/);
    expect(res.stdout).toContain('--json');
    expect(existsSync(join(cwd, 'data'))).toBe(false);
  });
});
