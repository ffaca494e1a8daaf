// `node ingest/query.ts` run where no ingest ever ran: it used to create an empty data directory there and
// answer "Unknown table events".
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
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

describe('query.ts with a FORMAT clause', () => {
  // Regression: "SELECT count() FROM events FORMAT JSON" answered "Syntax error: failed at position 41":
  // query.ts asks for its own format, and the statement then had two.
  it.each(['SELECT count() FROM events FORMAT JSON', 'SELECT 1 format Pretty;'])(
    '%s: names the clause, opens nothing',
    (sql) => {
      const cwd = mkdtempSync(join(tmpdir(), 'query-format-'));
      const res = spawnSync(process.execPath, [QUERY, sql], { cwd, encoding: 'utf8' });
      expect(res.status, res.stderr).toBe(1);
      expect(res.stderr).toMatch(
        /^query failed: leave out "FORMAT (JSON|Pretty)": query.ts prints the rows itself/,
      );
      expect(existsSync(join(cwd, 'data'))).toBe(false);
    },
  );
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

describe('query.ts with an option it does not know', () => {
  // Regression: `--jsn` answered "query failed: Unknown option '--jsn'. To specify a positional argument
  // starting with a '-', …", exit 1: no query had run, and the advice was for something else.
  it('names the option, points to --help, exits 2 and opens nothing', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'query-option-'));
    const res = spawnSync(process.execPath, [QUERY, '--jsn', 'SELECT 1'], { cwd, encoding: 'utf8' });
    expect(res.status).toBe(2);
    expect(res.stderr).toBe(
      "query.ts: Unknown option '--jsn' (node ingest/query.ts --help lists the options)\n",
    );
    expect(existsSync(join(cwd, 'data'))).toBe(false);
  });
});

describe('query.ts beside another server on the SQL port', () => {
  // Regression: any server answering the unauthenticated ping on the SQL port (ClickHouse's own 8123 by
  // default) was sent the saved read password with the statement.
  it("sends the saved password only to the ingest's own endpoint", async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'query-other-'));
    mkdirSync(join(cwd, 'state'));
    writeFileSync(join(cwd, 'state', 'sql.password'), 'the-read-password\n');
    const seen: IncomingHttpHeaders[] = [];
    const other = createServer((req, res) => {
      seen.push(req.headers);
      res.setHeader('x-clickhouse-server-display-name', 'some-clickhouse');
      res.end('Ok.\n');
    });
    await new Promise<void>((done) => other.listen(0, '127.0.0.1', done));
    try {
      const port = String((other.address() as AddressInfo).port);
      const env = { ...process.env, TRACKER_SQL__PORT: port, TRACKER_SERVER__STATEDIR: join(cwd, 'state') };
      const res = await new Promise<{ code: number | null; stderr: string }>((done) => {
        const child = execFile(process.execPath, [QUERY, 'SELECT 1'], { cwd, env }, (_err, _out, stderr) =>
          done({ code: child.exitCode, stderr }),
        );
      });
      // It asked who answers, then opened the data directory as when no ingest runs.
      expect(res.stderr).toContain('no data at ./data/chdb');
      expect(res.code).toBe(1);
      expect(seen.length).toBeGreaterThan(0);
      for (const headers of seen) {
        expect(headers.authorization).toBeUndefined();
        expect(headers['x-clickhouse-key']).toBeUndefined();
      }
    } finally {
      other.close();
    }
  });
});
