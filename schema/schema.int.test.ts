// Every statement of both renderings goes through the real ClickHouse parser (chdb's formatQuery), and
// the single-node rendering is applied for real, twice (the second run must be a no-op).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedStore } from '../store/index.ts';
import { buildCatalog } from './catalog.ts';
import { appliedVersion, applyMigrations } from './migrate.ts';
import { createDatabase, loadMigrations, migrationsTable, renderMigration } from './render.ts';

let store: EmbeddedStore;
/** A second session on the same directory, bound to the migrated database (chdb allows this). */
let applied: EmbeddedStore;
beforeAll(async () => {
  const path = mkdtempSync(join(tmpdir(), 'schema-'));
  store = await EmbeddedStore.open({ path, database: 'scratch' });
  applied = await EmbeddedStore.open({ path, database: 'applied' });
});
afterAll(async () => {
  await applied.close();
  await store.close();
});
// Rows dated now: TTLs from the retention config would drop old dates on insert.
const now = () => new Date().toISOString();

const renderings = [
  ['single node', { database: 'tracker', retention: { defaultDays: 90, tables: { logs: 30 } } }],
  ['cluster', { database: 'tracker', cluster: 'tracker_cluster', retention: { defaultDays: 90 } }],
] as const;

describe.each(renderings)('the %s rendering', (_name, opts) => {
  const statements = [
    createDatabase(opts),
    migrationsTable(opts),
    ...loadMigrations().flatMap((m) => renderMigration(m, opts)),
  ];

  it('parses with the real ClickHouse parser, statement by statement', async () => {
    for (const sql of statements) {
      const [row] = await store.query<{ f: string }>('SELECT formatQuery({sql:String}) AS f', { sql });
      expect(row?.f, sql).toMatch(/^(CREATE|ALTER TABLE|DROP (TABLE|VIEW)|INSERT INTO) /);
    }
  });
});

describe('applyMigrations on the embedded engine', () => {
  const database = 'applied';
  const retention = { defaultDays: 90, tables: { logs: 30, events: 0 } };

  it('applies every migration, then re-applying is a no-op', async () => {
    const first = await applyMigrations(store, { database, retention });
    expect(first.applied).toEqual(loadMigrations().map((m) => m.version));
    const second = await applyMigrations(store, { database, retention });
    expect(second.applied).toEqual([]);
    expect(second.skipped).toEqual(first.applied);
    expect(await appliedVersion(store, database)).toBe(first.version);
    const [row] = await store.query<{ n: string }>(
      `SELECT count() AS n FROM ${database}.schema_migrations FINAL`,
    );
    expect(Number(row?.n)).toBe(first.applied.length);
  });

  it('refuses an applied migration whose statements changed', async () => {
    const [m1, ...rest] = loadMigrations();
    const edited = { ...m1!, source: `${m1!.source}\n-- edited`, checksum: 'x' };
    await expect(applyMigrations(store, { database, migrations: [edited, ...rest] })).rejects.toThrow(
      /checksum differs/,
    );
  });

  // Databases migrated while the checksum covered the whole file (comments included) recorded those.
  it('accepts the whole-file checksums recorded before comments were left out', async () => {
    const legacy = { database: 'legacy_checksums', retention };
    await applyMigrations(store, legacy);
    const record = (version: number, checksum: string) =>
      store.command(
        `INSERT INTO legacy_checksums.schema_migrations (version, name, checksum) VALUES (${version}, 'old', '${checksum}')`,
      );
    await record(1, '0b2581f8647e5ba91ad078d17e93bdd0f477dd82a071434c7c27d9a309ce3509');
    await record(7, '9fa7878da24f686a9e306396399e912cfd8fa3f3c3657f8222190b2502439995');
    expect((await applyMigrations(store, legacy)).applied).toEqual([]);
    await record(2, '0b2581f8647e5ba91ad078d17e93bdd0f477dd82a071434c7c27d9a309ce3509');
    await expect(applyMigrations(store, legacy)).rejects.toThrow(/0002_rollups: its checksum differs/);
  });

  it('creates exactly the columns the derived catalog lists', async () => {
    const rows = await store.query<{ table: string; name: string; type: string }>(
      'SELECT table, name, type FROM system.columns WHERE database = {db:String} ORDER BY table, position',
      { db: database },
    );
    for (const [table, info] of buildCatalog()) {
      const actual = rows.filter((r) => r.table === table).map((r) => r.name);
      expect(actual, table).toEqual(info.columns.map((c) => c.name));
    }
  });

  it('sets TTLs from retention and none where a table keeps forever', async () => {
    const ttl = async (table: string) => {
      const [row] = await store.query<{ q: string }>(
        'SELECT create_table_query AS q FROM system.tables WHERE database = {db:String} AND name = {t:String}',
        { db: database, t: table },
      );
      return row?.q ?? '';
    };
    expect(await ttl('logs')).toContain('toIntervalDay(30)');
    expect(await ttl('hits')).toContain('toIntervalDay(90)');
    expect(await ttl('events')).not.toContain('TTL');
    // ltv (a person's payments) was created without a TTL and kept every row for ever
    expect(await ttl('ltv')).toContain('TTL toDateTime(created_at) + toIntervalDay(90)');
  });

  it('deduplicates a retried insert by its token and keeps the rollups exact', async () => {
    const vid = '018f0000-0000-7000-8000-000000000001';
    const rows = [1, 2, 3].map((i) => ({
      eid: `018f0000-0000-7000-8000-00000000010${i}`,
      vid,
      oid: vid,
      created_at: now(),
      url: '/a',
      ename: 'view',
    }));
    for (let i = 0; i < 3; i++) await applied.insert('events', rows, { dedupToken: 'batch-1' });
    const [events] = await store.query<{ n: string }>(`SELECT count() AS n FROM ${database}.events`);
    expect(Number(events?.n)).toBe(3);
    const [hits] = await store.query<{ n: string }>(`SELECT sum(total) AS n FROM ${database}.hits`);
    expect(Number(hits?.n)).toBe(3);
    const [visitor] = await store.query<{ n: string; url: string }>(
      `SELECT sum(events) AS n, argMinMerge(first_url) AS url FROM ${database}.visitors GROUP BY oid, vid`,
    );
    expect({ n: Number(visitor?.n), url: visitor?.url }).toEqual({ n: 3, url: '/a' });
  });

  it('keeps the latest consent per visitor in agreements and the history in agreed', async () => {
    const vid = '018f0000-0000-7000-8000-000000000002';
    const t0 = Date.now();
    for (const [i, cflags] of [1, 3].entries()) {
      const at = new Date(t0 + i * 1000).toISOString();
      await applied.insert('agreed', [{ vid, cflags, created_at: at, updated_at: at }], {
        dedupToken: `c${i}`,
      });
    }
    const latest = await store.query<{ cflags: number | string }>(
      `SELECT cflags FROM ${database}.agreements FINAL WHERE vid = {vid:UUID}`,
      { vid },
    );
    expect(latest.map((r) => Number(r.cflags))).toEqual([3]);
    const history = await store.query(`SELECT cflags FROM ${database}.agreed WHERE vid = {vid:UUID}`, {
      vid,
    });
    expect(history).toHaveLength(2);
  });
});
