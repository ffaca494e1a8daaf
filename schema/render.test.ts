import { describe, expect, it } from 'vitest';
import { buildCatalog } from './catalog.ts';
import {
  checksumOf,
  loadMigrations,
  migrationsTable,
  renderMigration,
  renderStatement,
  splitStatements,
} from './render.ts';

const source = `CREATE TABLE IF NOT EXISTS {{table hits}} (
  url String,
  date Date,
  total UInt64
) ENGINE = {{engine SummingMergeTree(total)}}
ORDER BY (url, date)
{{ttl date}}
{{settings}}
{{distribute cityHash64(url)}}`;

describe('{{retain X column}}: the age of a table created without one', () => {
  it.each([
    [
      { database: 'tr', retention: { defaultDays: 30 } },
      ['ALTER TABLE `tr`.`ltv` MODIFY TTL toDateTime(created_at) + INTERVAL 30 DAY'],
    ],
    [
      { database: 'tr', cluster: 'c', retention: { tables: { ltv: 400 } } },
      ["ALTER TABLE `tr`.`ltv_local` ON CLUSTER 'c' MODIFY TTL toDateTime(created_at) + INTERVAL 400 DAY"],
    ],
    [{ database: 'tr' }, []],
    [{ database: 'tr', retention: { defaultDays: 30, tables: { ltv: 0 } } }, []],
  ])('%j → %j', (opts, statements) => {
    expect(renderStatement('{{retain ltv created_at}}', opts)).toEqual(statements);
  });

  it('refuses a marker without a table and its column', () => {
    expect(() => renderStatement('{{retain ltv}}', { database: 'tr' })).toThrow(
      /must name a table and its age/,
    );
  });

  it('gives the table its age in the catalog', () => {
    expect(buildCatalog().get('ltv')?.ageColumn).toBe('created_at');
  });
});

describe('renderStatement', () => {
  it('renders the single-node MergeTree family with a dedup window and no TTL by default', () => {
    const [sql, ...rest] = renderStatement(source, { database: 'tr' });
    expect(rest).toEqual([]);
    expect(sql).toContain('CREATE TABLE IF NOT EXISTS `tr`.`hits` (');
    expect(sql).toContain('ENGINE = SummingMergeTree(total)');
    expect(sql).toContain('SETTINGS non_replicated_deduplication_window = 10000');
    expect(sql).not.toContain('TTL');
    expect(sql).not.toContain('{{');
  });

  it('renders Replicated* local tables plus a Distributed table on a cluster', () => {
    const [local, dist] = renderStatement(source, {
      database: 'tr',
      cluster: 'main',
      retention: { defaultDays: 30 },
    });
    expect(local).toContain("`tr`.`hits_local` ON CLUSTER 'main'");
    expect(local).toContain(
      "ReplicatedSummingMergeTree('/clickhouse/tables/{shard}/tr/hits_local', '{replica}', total)",
    );
    expect(local).toContain('TTL toDateTime(date) + INTERVAL 30 DAY');
    expect(local).toContain('replicated_deduplication_window = 10000');
    expect(dist).toBe(
      "CREATE TABLE IF NOT EXISTS `tr`.`hits` ON CLUSTER 'main' AS `tr`.`hits_local`\nENGINE = Distributed('main', 'tr', 'hits_local', cityHash64(url))",
    );
  });

  it.each([
    [{ defaultDays: 10 }, 'INTERVAL 10 DAY'],
    [{ defaultDays: 10, tables: { hits: 400 } }, 'INTERVAL 400 DAY'],
    [{ defaultDays: 10, tables: { hits: 0 } }, undefined],
  ])('takes the TTL from retention %j', (retention, expected) => {
    const [sql] = renderStatement(source, { database: 'tr', retention });
    if (expected) expect(sql).toContain(expected);
    else expect(sql).not.toContain('TTL');
  });

  it('refuses a data table without a sharding key', () => {
    expect(() =>
      renderStatement(source.replace('{{distribute cityHash64(url)}}', ''), { database: 'tr' }),
    ).toThrow(/missing \{\{distribute\}\}/);
  });

  it('refuses unsafe names', () => {
    expect(() => renderStatement(source, { database: 'x; DROP' })).toThrow(/invalid database/);
    expect(() => renderStatement(source, { database: 'tr', cluster: "a'b" })).toThrow(/invalid cluster/);
  });

  const settings = `CREATE TABLE IF NOT EXISTS {{everywhere rules}} (
  name String,
  updated_at DateTime
) ENGINE = {{engine ReplacingMergeTree(updated_at)}}
ORDER BY name`;

  it('renders an everywhere table as one table, on a cluster one Keeper path for every shard', () => {
    const single = renderStatement(settings, { database: 'tr' });
    expect(single).toHaveLength(1);
    expect(single[0]).toContain('`tr`.`rules` (');
    expect(single[0]).toContain('ENGINE = ReplacingMergeTree(updated_at)');
    const [sql, ...rest] = renderStatement(settings, { database: 'tr', cluster: 'main' });
    expect(rest).toEqual([]);
    expect(sql).toContain("`tr`.`rules` ON CLUSTER 'main'");
    expect(sql).toContain(
      "ReplicatedReplacingMergeTree('/clickhouse/tables/all/tr/rules', '{shard}-{replica}', updated_at)",
    );
  });

  it('drops the Distributed table before its local table on a cluster', () => {
    const drop = 'DROP TABLE IF EXISTS {{drop hits}} SYNC';
    expect(renderStatement(drop, { database: 'tr' })).toEqual(['DROP TABLE IF EXISTS `tr`.`hits` SYNC']);
    expect(renderStatement(drop, { database: 'tr', cluster: 'main' })).toEqual([
      "DROP TABLE IF EXISTS `tr`.`hits` ON CLUSTER 'main' SYNC",
      "DROP TABLE IF EXISTS `tr`.`hits_local` ON CLUSTER 'main' SYNC",
    ]);
    expect(() => renderStatement('DROP TABLE IF EXISTS {{drop a-b}}', { database: 'tr' })).toThrow(
      /invalid table name/,
    );
  });

  it('records migrations cluster-wide on a cluster', () => {
    expect(migrationsTable({ database: 'tr', cluster: 'c' })).toContain("'{shard}-{replica}'");
  });
});

describe('the migration sources', () => {
  const migrations = loadMigrations();

  it('are numbered without gaps and leave no marker unrendered', () => {
    expect(migrations.map((m) => m.version)).toEqual(migrations.map((_m, i) => i + 1));
    for (const m of migrations) {
      for (const cluster of [undefined, 'c']) {
        for (const sql of renderMigration(m, { database: 'tr', cluster }))
          expect(sql).not.toMatch(/\{\{|\}\}/);
      }
    }
  });

  it('split into statements without empty or comment-only ones', () => {
    expect(splitStatements('-- a\nSELECT 1;\n-- only a comment\n;\nSELECT 2;\n')).toEqual([
      '-- a\nSELECT 1',
      'SELECT 2',
    ]);
  });

  it('cover every table the tracker reads or writes', () => {
    const catalog = buildCatalog(migrations);
    const spec = [
      'events',
      'visitors',
      'sessions',
      'ltv',
      'payments',
      'redirects',
      'redirect_history',
      'agreements',
      'agreed',
      'jurisdictions',
      'hits',
      'ips',
      'reqs',
      'browsers',
      'referrers',
      'dailies',
      'outcomes',
      'hosts',
      'counters',
      'updates',
      'logs',
      'mthreads',
      'mstore',
      'mtriage',
      'impression_daily',
      'accounts',
      'api_keys',
      'orgs',
    ];
    expect([...catalog.keys()]).toEqual(expect.arrayContaining(spec));
  });
});

describe('checksumOf', () => {
  const original = `-- Raw events.\nCREATE TABLE t (\n  a UInt8 -- kept\n) ENGINE = MergeTree ORDER BY a;\n`;

  it('leaves comment lines and blank lines out: rewording a comment does not edit a migration', () => {
    const reworded = `-- Raw events, one row per event.\n\nCREATE TABLE t (\n  a UInt8 -- kept\n) ENGINE = MergeTree ORDER BY a;\n`;
    expect(checksumOf(reworded)).toBe(checksumOf(original));
  });

  it('changes with any statement', () => {
    expect(checksumOf(original.replace('UInt8', 'UInt16'))).not.toBe(checksumOf(original));
    expect(checksumOf(`${original}CREATE TABLE u (b UInt8) ENGINE = Log;\n`)).not.toBe(checksumOf(original));
  });
});

describe('buildCatalog', () => {
  const catalog = buildCatalog();

  it('lists the columns with their types and defaults', () => {
    const events = catalog.get('events');
    expect(events?.columns.find((c) => c.name === 'created_at')).toEqual({
      name: 'created_at',
      type: "DateTime64(3, 'UTC')",
      hasDefault: false,
    });
    expect(events?.columns.find((c) => c.name === 'received_at')?.hasDefault).toBe(true);
    expect(events?.columns).toHaveLength(71);
    // columns added by a later ALTER migration follow the CREATE's, as in system.columns
    expect(events?.columns.at(-2)).toEqual({ name: 'client_eid', type: 'Bool', hasDefault: true });
    expect(events?.columns.at(-1)).toEqual({
      name: 'ad_match',
      type: 'JSON(max_dynamic_paths = 16)',
      hasDefault: false,
    });
    expect(catalog.get('mthreads')?.columns).toHaveLength(135);
    expect(catalog.get('mstore')?.columns).toHaveLength(50);
    expect(catalog.get('mtriage')?.columns).toHaveLength(41);
  });

  it('marks the tables filled by materialized views as derived', () => {
    expect(catalog.get('hits')?.derived).toBe(true);
    expect(catalog.get('agreements')?.derived).toBe(true);
    expect(catalog.get('agreed')?.derived).toBe(false);
    expect(catalog.get('events')?.derived).toBe(false);
  });

  it('follows a dropped and re-created table: impression_daily is the rollup, not the first table', () => {
    const info = catalog.get('impression_daily');
    expect(info?.derived).toBe(true);
    expect(info?.columns.map((c) => c.name)).toEqual([
      'oid',
      'day',
      'campaign',
      'xid',
      'impressions',
      'anonymous_impressions',
      'identified_impressions',
      'conversions',
      'unique_visitors',
    ]);
    // Written by the schema runner only: not a table the data path may write.
    expect(catalog.has('rollup_settings')).toBe(false);
  });

  it('copies the columns of a table declared AS another', () => {
    expect(catalog.get('agreements')?.columns).toEqual(catalog.get('agreed')?.columns);
  });
});

describe('ALTER TABLE migrations', () => {
  const statement = 'ALTER TABLE {{alter events}}\n  ADD COLUMN IF NOT EXISTS referrer String';

  it('single node: one statement on db.X', () => {
    expect(renderStatement(statement, { database: 'tracker' })).toEqual([
      'ALTER TABLE `tracker`.`events`\n  ADD COLUMN IF NOT EXISTS referrer String',
    ]);
  });

  it('cluster: the local tables first, then the Distributed table, both ON CLUSTER', () => {
    expect(renderStatement(statement, { database: 'tracker', cluster: 'c' })).toEqual([
      "ALTER TABLE `tracker`.`events_local` ON CLUSTER 'c'\n  ADD COLUMN IF NOT EXISTS referrer String",
      "ALTER TABLE `tracker`.`events` ON CLUSTER 'c'\n  ADD COLUMN IF NOT EXISTS referrer String",
    ]);
  });
});
