// One contract, two stores: the embedded chdb session, and @clickhouse/client talking HTTP to the
// ClickHouse HTTP test double (whose engine is the same real chdb).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ClickHouseHttp, startClickHouseHttp } from '../e2e/support/clickhouse-http/server.ts';
import { ClickHouseStore } from './clickhouse.ts';
import type { Store } from './contract.ts';
import { EmbeddedStore } from './embedded.ts';
import { isDataError } from './errors.ts';

const dir = mkdtempSync(join(tmpdir(), 'stores-'));
let server: ClickHouseHttp;
beforeAll(async () => {
  server = await startClickHouseHttp({ dir, password: 'secret' });
});
afterAll(() => server.close());

const kinds: [string, (db: string) => Promise<Store>][] = [
  ['embedded', (database) => EmbeddedStore.open({ path: dir, database })],
  [
    'clickhouse',
    async (database) => {
      const bootstrap = new ClickHouseStore({ url: server.url, database: 'default', password: 'secret' });
      await bootstrap.command(`CREATE DATABASE IF NOT EXISTS ${database}`);
      await bootstrap.close();
      return new ClickHouseStore({ url: server.url, database, password: 'secret' });
    },
  ],
];

describe.each(kinds)('the %s store', (kind, open) => {
  let store: Store;
  beforeAll(async () => {
    store = await open(`db_${kind}`);
    await store.command(
      `CREATE TABLE t (id UInt32, u UUID, s String, j JSON) ENGINE = MergeTree ORDER BY id
       SETTINGS non_replicated_deduplication_window = 100`,
    );
  });
  afterAll(() => store.close());

  it('pings', async () => {
    expect(await store.ping()).toBe(true);
  });

  it('inserts rows once per dedup token, however often it is retried', async () => {
    const rows = [
      { id: 1, u: '018f0000-0000-7000-8000-000000000001', s: "it's", j: { a: 1 } },
      { id: 2, u: '018f0000-0000-7000-8000-000000000002', s: 'é\n"', j: {} },
    ];
    for (let i = 0; i < 3; i++) await store.insert('t', rows, { dedupToken: 'tok-a' });
    await store.insertJsonLines('t', Buffer.from(`${JSON.stringify({ id: 3, s: 'x' })}\n`), {
      dedupToken: 'tok-b',
    });
    const got = await store.query<{ id: number; s: string }>('SELECT id, s FROM t ORDER BY id');
    expect(got).toEqual([
      { id: 1, s: "it's" },
      { id: 2, s: 'é\n"' },
      { id: 3, s: 'x' },
    ]);
  });

  it('binds query parameters server-side', async () => {
    const got = await store.query<{ n: number }>(
      'SELECT count() AS n FROM t WHERE s = {s:String} AND id < {max:UInt32}',
      {
        s: "it's",
        max: 10,
      },
    );
    expect(Number(got[0]?.n)).toBe(1);
  });

  it('reports a bad row as a data error (the batcher bisects those)', async () => {
    const err = await store
      .insertJsonLines('t', Buffer.from('{"id":"not a number"}\n'), { dedupToken: 'bad' })
      .catch((e: unknown) => e);
    expect(isDataError(err)).toBe(true);
  });

  it('refuses unknown columns instead of dropping them', async () => {
    const err = await store
      .insert('t', [{ id: 9, nope: 1 }], { dedupToken: 'unknown' })
      .catch((e: unknown) => e);
    expect(isDataError(err)).toBe(true);
  });

  // The engine's type guessing took these for dates and stored other values ("2026-02-30" as 2026-03-02).
  it('keeps a string in a JSON column as sent, however much it looks like a date', async () => {
    const texts = [
      '2026-02-30',
      '2026-13-01',
      '12/04/2026',
      '2026-12-04',
      '2026-12-04 10:00:00',
      'Dec 4 2026',
      '1.5',
    ];
    const j = Object.fromEntries(texts.map((text, i) => [`k${i}`, text]));
    await store.insert('t', [{ id: 20, j }], { dedupToken: 'dates-a' });
    await store.insertJsonLines('t', Buffer.from(`${JSON.stringify({ id: 21, j })}\n`), {
      dedupToken: 'dates-b',
    });
    const got = await store.query<{ j: string }>(
      'SELECT toJSONString(j) AS j FROM t WHERE id IN (20, 21) ORDER BY id',
    );
    expect(got.map((row) => JSON.parse(row.j))).toEqual([j, j]);
  });

  it('surfaces server errors with their ClickHouse code', async () => {
    await expect(store.query('SELECT * FROM missing_table')).rejects.toThrow(/missing_table/);
  });
});

describe('the clickhouse store against a server that goes away', () => {
  it('fails ping and inserts while it is down, and works again when it returns', async () => {
    const own = await startClickHouseHttp({ dir });
    const store = new ClickHouseStore({ url: own.url, database: 'default', requestTimeoutMs: 2_000 });
    expect(await store.ping()).toBe(true);
    await own.close();
    expect(await store.ping()).toBe(false);
    await expect(store.query('SELECT 1')).rejects.toThrow();
    const again = await startClickHouseHttp({ dir, port: own.port });
    expect(await store.ping()).toBe(true);
    await store.close();
    await again.close();
  });
});
