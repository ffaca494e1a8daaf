// The data path against the real engine: the embedded store end to end, a poison row ClickHouse
// refuses, and an outage of a ClickHouse server (the HTTP test double over chdb, stopped and restarted).
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startClickHouseHttp } from '../../e2e/support/clickhouse-http/server.ts';
import type { Row } from '../../store/index.ts';
import { parseConfig } from '../config.ts';
import type { DataPath } from './contract.ts';
import { createDataPath } from './datapath.ts';
import { DiskSpool } from './spool/disk.ts';
import { testEid as eid, testEvent as event } from './testing/rows.ts';

// chdb binds one data directory per process: every store in this file shares it (databases differ).
const chdbDir = mkdtempSync(join(tmpdir(), 'dp-int-'));
const opened: DataPath[] = [];
afterAll(async () => {
  for (const dp of opened) await dp.close(1000);
});

async function until(check: () => Promise<boolean> | boolean, what: string, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const counts = async (dp: DataPath) => {
  const [r] = await dp.store.query<{ n: number; u: number }>(
    'SELECT count() AS n, uniqExact(eid) AS u FROM events',
  );
  return { n: Number(r?.n), u: Number(r?.u) };
};

/** A disk spool holding `rows` of `table`, as a previous run left it, bypassing validation; its directory. */
async function spooled(table: string, rows: readonly Row[]): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'spool-'));
  const spool = await DiskSpool.open({
    dir,
    maxBytes: 1 << 24,
    segmentBytes: 1 << 20,
    fsyncIntervalMs: 1,
    memoryBytes: 1 << 20,
    retryAfterSeconds: 5,
  });
  await (await spool.log(table)).append(
    Buffer.from(rows.map((r) => `${JSON.stringify(r)}\n`).join('')),
    rows.length,
  );
  await spool.close();
  return dir;
}

describe('the data path on the embedded engine', () => {
  it('delivers events and keeps the rollups exact', async () => {
    const spool = mkdtempSync(join(tmpdir(), 'spool-'));
    const dp = await createDataPath(
      parseConfig({
        store: { kind: 'embedded', path: chdbDir, database: 'dp_embedded' },
        spool: { dir: spool },
        batching: { tables: { events: { maxRows: 40, maxDelayMs: 50 } } },
      }),
    );
    for (let i = 0; i < 200; i += 10)
      await dp.append(
        'events',
        Array.from({ length: 10 }, (_v, k) => event(i + k)),
      );
    await dp.append('payments', [{ id: eid(1), revenue: 9.5, currency: 'EUR' }]);
    await dp.close(10_000);
    const again = await createDataPath(
      parseConfig({
        store: { kind: 'embedded', path: chdbDir, database: 'dp_embedded' },
        spool: { dir: spool },
      }),
    );
    opened.push(again);
    expect(await counts(again)).toEqual({ n: 200, u: 200 });
    const [hits] = await again.store.query<{ n: number }>('SELECT sum(total) AS n FROM hits');
    expect(Number(hits?.n)).toBe(200);
    expect(await again.store.query('SELECT revenue FROM payments')).toEqual([{ revenue: 9.5 }]);
  });

  it('dead-letters the row ClickHouse refuses and delivers the rest of its batch', async () => {
    // Rows spooled by an older version whose validation let a bad value through.
    const rows = Array.from({ length: 10 }, (_v, i) => event(i, i === 6 ? { vid: 'not-a-uuid' } : {}));
    const spoolDir = await spooled('events', rows);

    const dp = await createDataPath(
      parseConfig({
        store: { kind: 'embedded', path: chdbDir, database: 'dp_poison' },
        spool: { dir: spoolDir },
      }),
    );
    opened.push(dp);
    await until(() => dp.status().deadLetters === 1, 'the dead letter');
    expect(await counts(dp)).toEqual({ n: 9, u: 9 });
    const letter = JSON.parse(readFileSync(join(spoolDir, 'dead-letters.jsonl'), 'utf8').trim());
    expect(letter).toMatchObject({ table: 'events', reason: expect.stringMatching(/UUID/) });
    expect(JSON.parse(letter.row).vid).toBe('not-a-uuid');
  });

  // The engine refuses a DateTime64(9) beyond 2262 with DECIMAL_OVERFLOW, a code the data path retried as
  // a server failure: the batch was retried for ever and no later row of the table was stored.
  it("dead-letters a time beyond its column's range instead of retrying the table for ever", async () => {
    const log = (i: number, ltime: string) => ({
      id: eid(i),
      ldate: new Date().toISOString().slice(0, 10),
      created_at: new Date().toISOString(),
      ltime,
      topic: 'probe',
      msg: `line ${i}`,
    });
    const rows = Array.from({ length: 6 }, (_v, i) =>
      log(i, i === 4 ? '2300-01-01 00:00:00.000000000' : '2025-05-01 12:00:00.000000001'),
    );
    const spoolDir = await spooled('logs', rows);

    const dp = await createDataPath(
      parseConfig({
        store: { kind: 'embedded', path: chdbDir, database: 'dp_overflow' },
        spool: { dir: spoolDir },
      }),
    );
    opened.push(dp);
    await until(() => dp.status().deadLetters === 1, 'the dead letter');
    const [stored] = await dp.store.query<{ n: string }>('SELECT count() AS n FROM logs');
    expect(Number(stored?.n)).toBe(5);
    const letter = JSON.parse(readFileSync(join(spoolDir, 'dead-letters.jsonl'), 'utf8').trim());
    expect(letter).toMatchObject({ table: 'logs', reason: expect.stringMatching(/DECIMAL_OVERFLOW/) });
    expect(JSON.parse(letter.row).ltime).toBe('2300-01-01 00:00:00.000000000');
  });
});

describe('an outage of the ClickHouse server', () => {
  it('keeps accepting into the spool while the breaker is open, then delivers everything exactly once', async () => {
    let server = await startClickHouseHttp({ dir: chdbDir });
    // The store keeps its default request timeout: a stopped server refuses connections at once, so the
    // outage needs no short timeout to be seen, and a short one failed the migrations and the reads below
    // whenever a statement queued behind others for longer on a busy machine.
    const dp = await createDataPath(
      parseConfig({
        store: { kind: 'clickhouse', url: server.url, database: 'dp_outage' },
        spool: { dir: mkdtempSync(join(tmpdir(), 'spool-')) },
        batching: {
          breaker: { failureThreshold: 3, openMs: 50, maxOpenMs: 200 },
          tables: { events: { strategy: 'hybrid', maxRows: 25, maxDelayMs: 20, backoffMs: 10 } },
        },
      }),
      { migrate: true },
    );
    opened.push(dp);
    for (let i = 0; i < 100; i += 5)
      await dp.append(
        'events',
        Array.from({ length: 5 }, (_v, k) => event(i + k)),
      );
    await until(async () => (await counts(dp)).n === 100, 'the first 100 events');

    await server.close();
    for (let i = 100; i < 300; i += 5)
      await dp.append(
        'events',
        Array.from({ length: 5 }, (_v, k) => event(i + k)),
      );
    await until(() => dp.status().breaker === 'open', 'the breaker to open');
    expect(dp.status().queues.events?.rows).toBeGreaterThan(0);

    server = await startClickHouseHttp({ dir: chdbDir, port: server.port });
    await until(() => dp.status().queues.events?.rows === 0, 'the spool to drain');
    expect(await counts(dp)).toEqual({ n: 300, u: 300 });
    expect(dp.status().breaker).toBe('closed');
    await dp.close(5_000);
    await server.close();
  });
});
