import { describe, expect, it } from 'vitest';
import { copyStatements, ifNotExists } from './copy.ts';
import { creationOrder, schemaObjects } from './objects.ts';
import { checksumOf, loadMigrations, type Migration } from './render.ts';

const migration = (version: number, source: string): Migration => ({
  version,
  name: `${String(version).padStart(4, '0')}_m`,
  source,
  checksum: checksumOf(source),
});

const table = (name: string) =>
  `CREATE TABLE IF NOT EXISTS {{table ${name}}} (a UInt8) ENGINE = {{engine MergeTree}} ORDER BY a {{settings}} {{distribute a}}`;
const view = (name: string, target: string, source: string) =>
  `CREATE MATERIALIZED VIEW IF NOT EXISTS {{object ${name}}} TO {{ref ${target}}} AS SELECT a FROM {{ref ${source}}}`;

const cluster = { cluster: 'main' };
const names = (objects: readonly { name: string }[]) => objects.map((o) => o.name);

describe('schemaObjects', () => {
  const migrations = [
    migration(1, `${table('events')};\n${table('old')};`),
    migration(
      2,
      `-- {{table commented_out}} is not a table\n${table('hits')};\n${view('hits_mv', 'hits', 'events')};`,
    ),
    migration(
      3,
      'ALTER TABLE {{alter events}}\n  ADD COLUMN IF NOT EXISTS b UInt8;\nDROP TABLE IF EXISTS {{drop old}} SYNC;',
    ),
    migration(
      4,
      'CREATE TABLE IF NOT EXISTS {{everywhere rules}} (n String) ENGINE = {{engine ReplacingMergeTree}} ORDER BY n;\n' +
        `${table('old')};`,
    ),
  ];

  it('lists the local, Distributed, view and everywhere objects a cluster holds, last creation last', () => {
    expect(names(schemaObjects(migrations, cluster, 4))).toEqual([
      'schema_migrations',
      'events_local',
      'events',
      'hits_local',
      'hits',
      'hits_mv',
      'rules',
      'old_local',
      'old',
    ]);
  });

  it('stops at the given version: a table dropped by then is gone', () => {
    expect(names(schemaObjects(migrations, cluster, 3))).not.toContain('old_local');
    expect(names(schemaObjects(migrations, cluster, 1))).toEqual([
      'schema_migrations',
      'events_local',
      'events',
      'old_local',
      'old',
    ]);
    expect(schemaObjects(migrations, cluster, 0)).toEqual([]);
  });

  it('uses the stored names of the single-node rendering without a cluster', () => {
    expect(names(schemaObjects(migrations, {}, 2))).toEqual([
      'schema_migrations',
      'events',
      'old',
      'hits',
      'hits_mv',
    ]);
  });

  it('knows what a view selects from apart from its target and its subquery tables', () => {
    const source =
      'CREATE MATERIALIZED VIEW IF NOT EXISTS {{object v}} TO {{ref t}} AS\n' +
      'WITH (SELECT x FROM {{db}}.rules) AS r SELECT a FROM {{ref events}}';
    const [, v] = schemaObjects([migration(1, source)], cluster, 1);
    expect(v).toEqual({
      name: 'v',
      kind: 'view',
      reads: ['events_local'],
      needs: ['t_local', 'rules', 'events_local'],
    });
  });

  it('refuses an {{object}} that is not a view', () => {
    const source = 'CREATE DICTIONARY IF NOT EXISTS {{object d}} (a UInt8) PRIMARY KEY a';
    expect(() => schemaObjects([migration(1, source)], cluster, 1)).toThrow(/must be a view/);
  });
});

describe('creationOrder', () => {
  it('creates a table its views read right before those views, Distributed tables and the record last', () => {
    const objects = schemaObjects(loadMigrations(), cluster, 11);
    const order = names(creationOrder(objects));
    expect(order.slice(-1)).toEqual(['schema_migrations']);
    const events = order.indexOf('events_local');
    const views = objects.filter((o) => o.reads.includes('events_local')).map((o) => o.name);
    expect(views).toHaveLength(9);
    expect(order.slice(events + 1, events + 1 + views.length).sort()).toEqual([...views].sort());
    expect(order.indexOf('rollup_settings')).toBeLessThan(events);
    expect(order.indexOf('agreements_mv')).toBe(order.indexOf('agreed_local') + 1);
    const firstDistributed = order.indexOf('events');
    expect(order.slice(firstDistributed, -1).every((n) => !n.endsWith('_local') && !n.endsWith('_mv'))).toBe(
      true,
    );
    expect(new Set(order)).toEqual(new Set(names(objects)));
  });

  it('refuses a view whose table no migration creates', () => {
    const objects = schemaObjects([migration(1, view('v', 'missing', 'missing'))], cluster, 1);
    expect(() => creationOrder(objects)).toThrow(/view v needs missing_local/);
  });
});

describe('copyStatements', () => {
  const objects = schemaObjects(
    [migration(1, `${table('events')};\n${table('hits')};\n${view('hits_mv', 'hits', 'events')};`)],
    cluster,
    1,
  );
  const definitions = new Map(
    names(objects).map((n) => [
      n,
      `CREATE ${n.endsWith('_mv') ? 'MATERIALIZED VIEW' : 'TABLE'} db.${n} (a UInt8)`,
    ]),
  );

  it('creates the database, then only the missing objects in creation order, IF NOT EXISTS', () => {
    const present = new Set(['hits_local', 'hits']);
    expect(copyStatements('db', objects, present, definitions)).toEqual([
      'CREATE DATABASE IF NOT EXISTS `db`',
      'CREATE TABLE IF NOT EXISTS db.events_local (a UInt8)',
      'CREATE MATERIALIZED VIEW IF NOT EXISTS db.hits_mv (a UInt8)',
      'CREATE TABLE IF NOT EXISTS db.events (a UInt8)',
      'CREATE TABLE IF NOT EXISTS db.schema_migrations (a UInt8)',
    ]);
  });

  it('is nothing when the host holds every object', () => {
    expect(copyStatements('db', objects, new Set(names(objects)), new Map())).toEqual([]);
  });

  it('refuses when the source host lacks a definition', () => {
    const partial = new Map([...definitions].filter(([n]) => n !== 'hits_mv'));
    expect(() => copyStatements('db', objects, new Set(), partial)).toThrow(/copy hits_mv: the source host/);
  });
});

describe('ifNotExists', () => {
  it.each([
    [
      'CREATE TABLE db.t (a UInt8) ENGINE = Memory',
      'CREATE TABLE IF NOT EXISTS db.t (a UInt8) ENGINE = Memory',
    ],
    ['CREATE TABLE `db`.`t` AS db.u', 'CREATE TABLE IF NOT EXISTS `db`.`t` AS db.u'],
    [
      'CREATE MATERIALIZED VIEW db.t TO db.u (a UInt8) AS SELECT 1',
      'CREATE MATERIALIZED VIEW IF NOT EXISTS db.t TO db.u (a UInt8) AS SELECT 1',
    ],
    ['CREATE TABLE IF NOT EXISTS db.t (a UInt8)', 'CREATE TABLE IF NOT EXISTS db.t (a UInt8)'],
  ])('%s', (definition, expected) => {
    expect(ifNotExists(definition, 'db', 't')).toBe(expected);
  });

  it.each([
    ['another table', 'CREATE TABLE db.t2 (a UInt8)'],
    ['another database', 'CREATE TABLE other.t (a UInt8)'],
    ['not a CREATE', 'DROP TABLE db.t'],
    ['a dictionary', 'CREATE DICTIONARY db.t (a UInt8)'],
  ])('refuses %s', (_what, definition) => {
    expect(() => ifNotExists(definition, 'db', 't')).toThrow(/not a definition of db.t/);
  });
});
