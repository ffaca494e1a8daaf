// The embedded store parses each insert's body on one thread (EMBEDDED_INSERT_SETTINGS) and does not merge
// the blocks the views of `events` insert again (EMBEDDED_TABLE_INSERT_SETTINGS): what it stores must be
// what the engine's parallel parsing and merging on insert stored, in `events` and in every table its views fill.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { applyMigrations, ensureRollupSettings } from '../schema/index.ts';
import { EMBEDDED_INSERT_SETTINGS, EMBEDDED_TABLE_INSERT_SETTINGS, EmbeddedStore } from './embedded.ts';
import { insertFromFileSql } from './insert-file.ts';
import { INSERT_SETTINGS } from './sql.ts';

const path = mkdtempSync(join(tmpdir(), 'insert-parsing-'));
let store: EmbeddedStore;
const rules = {
  impressionDaily: {
    impressionEtyps: ['impression'],
    impressionEnames: ['promo_view'],
    conversionEnames: ['conversion'],
  },
};

beforeAll(async () => {
  store = await EmbeddedStore.open({ path, database: 'one_thread' });
  for (const database of ['one_thread', 'parallel']) {
    await applyMigrations(store, { database, retention: { defaultDays: 0 } });
    await ensureRollupSettings(store, database, rules);
  }
});

afterAll(async () => {
  await store?.close();
  rmSync(path, { recursive: true, force: true });
});

const uuid = (kind: number, n: number) =>
  `${kind.toString(16).padStart(8, '0')}-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;

/** Rows as the ingest writes them, spread over visitors, sessions, pages, days, campaigns and kinds. */
function lines(count: number): string {
  const enames = ['page_view', 'promo_view', 'conversion', 'click'];
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const v = (i * 7919) % 500;
    const at = `2026-12-0${1 + (i % 3)} 1${i % 10}:00:0${i % 7}.${String(i % 1000).padStart(3, '0')}`;
    out.push(
      JSON.stringify({
        vid: uuid(1, v),
        sid: uuid(2, v * 2 + (i % 2)),
        oid: uuid(3, i % 2),
        ...(i % 4 === 0 ? { uid: uuid(4, v) } : {}),
        ename: enames[i % enames.length],
        ...(i % 5 === 0 ? { etyp: 'impression' } : {}),
        url: `https://shop.example/p/${i % 97}`,
        ...(i % 3 === 0
          ? { last: `https://search.example/?q=${i % 31}`, campaign: `c${i % 6}`, xid: `x${i % 2}` }
          : {}),
        browser: ['Chrome', 'Safari', ''][i % 3],
        bhash: `b${i % 3}`,
        hhash: 'h1',
        ip: `203.0.113.${i % 40}`,
        country: ['de', 'fr', 'us'][i % 3],
        eid: uuid(5, i),
        client_eid: false,
        created_at: at,
        received_at: at,
        params: { plan: i % 2 === 0 ? 'pro' : 'free', items: i % 9, tags: [`t${i % 4}`] },
      }),
    );
  }
  return `${out.join('\n')}\n`;
}

/** events and the tables its materialized views fill. */
const FILLED = [
  'events',
  'visitors',
  'sessions',
  'hits',
  'ips',
  'reqs',
  'browsers',
  'referrers',
  'dailies',
  'impression_daily',
];

/** Every row of a table, each as one line of text (aggregate states included), sorted. */
async function contents(database: string, table: string): Promise<string[]> {
  const rows = await store.query<{ r: string }>(
    `SELECT formatRow('TSV', *) AS r FROM \`${database}\`.\`${table}\``,
  );
  return rows.map((x) => x.r).sort();
}

it('stores the same rows in events and in every table its views fill as parallel parsing and merging on insert did', async () => {
  expect(EMBEDDED_INSERT_SETTINGS.input_format_parallel_parsing).toBe(0);
  expect(EMBEDDED_TABLE_INSERT_SETTINGS.events?.optimize_on_insert).toBe(0);
  const body = lines(6000);
  await store.insertJsonLines('events', Buffer.from(body), { dedupToken: 'one thread' });
  // the engine's parallel parsing, in segments far smaller than the body so that it does cut it, and its
  // default of merging each block on insert (INSERT_SETTINGS leaves optimize_on_insert at 1)
  const file = join(path, 'parallel.jsonl');
  writeFileSync(file, body);
  const parallel = {
    ...INSERT_SETTINGS,
    input_format_parallel_parsing: 1,
    min_chunk_bytes_for_parallel_parsing: 65_536,
  };
  await store.command(
    insertFromFileSql('`parallel`.`events`', file, { ...parallel, insert_deduplication_token: 'parallel' }),
  );
  for (const name of FILLED) {
    const mine = await contents('one_thread', name);
    expect(mine.length, name).toBeGreaterThan(0);
    expect(mine, name).toEqual(await contents('parallel', name));
  }
});
