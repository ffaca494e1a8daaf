import { describe, expect, it } from 'vitest';
import { parseConfig, storeRendering } from '../config.ts';
import { eraseStatements } from './erasures.ts';

const vid = '1d2c3b4a-0000-4000-8000-000000000001';
const oid = '0a000000-0000-4000-8000-00000000000a';

describe('eraseStatements', () => {
  it('single node: ALTER TABLE db.<t> DELETE, waiting on this server', () => {
    const statements = eraseStatements({ vid }, { database: 'tracker' });
    const events = statements.find((s) => s.table === 'events');
    expect(events?.sql).toBe(
      'ALTER TABLE `tracker`.`events` DELETE WHERE (vid IN {vids:Array(UUID)}) SETTINGS mutations_sync = 1',
    );
    expect(events?.params).toEqual({ vids: [vid] });
    for (const s of statements) expect(s.sql).not.toMatch(/_local|ON CLUSTER/);
  });

  it('cluster: every statement targets <t>_local ON CLUSTER, waiting on every replica', () => {
    const statements = eraseStatements({ vid, oid }, { database: 'tracker', cluster: 'tracker_cluster' });
    const events = statements.find((s) => s.table === 'events');
    expect(events?.sql).toBe(
      "ALTER TABLE `tracker`.`events_local` ON CLUSTER 'tracker_cluster' DELETE WHERE (vid IN {vids:Array(UUID)}) AND oid IN ({oid:UUID}, '00000000-0000-0000-0000-000000000000') SETTINGS mutations_sync = 2",
    );
    for (const s of statements) {
      expect(s.sql).toContain(`\`tracker\`.\`${s.table}_local\` ON CLUSTER 'tracker_cluster' DELETE`);
    }
  });

  it('covers the same tables in both renderings (by logical name)', () => {
    const single = eraseStatements({ uid: vid }, { database: 'tracker' }).map((s) => s.table);
    const cluster = eraseStatements({ uid: vid }, { database: 'tracker', cluster: 'c' }).map((s) => s.table);
    expect(cluster).toEqual(single);
    expect(single).toEqual(expect.arrayContaining(['events', 'ltv', 'agreed']));
  });

  it("deletes the rows of the person's IPs from the tables holding an IP and no visitor id, only", () => {
    const linked = { vids: [], uids: [], ips: ['198.51.100.7'] };
    const statements = eraseStatements({ vid }, { database: 'tracker' }, undefined, linked);
    const byIp = statements.filter((s) => s.sql.includes('ip IN {ips:Array(String)}')).map((s) => s.table);
    expect(byIp.sort()).toEqual(['dailies', 'ips', 'logs']);
    expect(statements.find((s) => s.table === 'dailies')?.params).toEqual({
      vids: [vid],
      ips: ['198.51.100.7'],
    });
    // a table with a visitor id is the person's by that id: another visitor of the same IP stays
    expect(statements.find((s) => s.table === 'events')?.sql).not.toContain('ip IN');
  });

  it('refuses an empty id: as an email hash it would match every event stored without one', () => {
    expect(() => eraseStatements({ ehash: '' }, { database: 'tracker' })).toThrow(/an empty id names nobody/);
    expect(() => eraseStatements({ vid, ehash: '' }, { database: 'tracker' })).toThrow(/names nobody/);
  });

  it('refuses a cluster name that cannot be quoted safely', () => {
    expect(() => eraseStatements({ vid }, { database: 'tracker', cluster: "x' OR 1" })).toThrow(
      /invalid cluster name/,
    );
  });
});

describe('storeRendering', () => {
  it.each([
    ['embedded store', { store: { kind: 'embedded' } }, { database: 'tracker' }],
    [
      'clickhouse store without a cluster',
      { store: { kind: 'clickhouse', url: 'http://ch:8123', database: 'db1' } },
      { database: 'db1' },
    ],
    [
      'clickhouse servers that each hold their own tables (store.hostUrls)',
      { store: { kind: 'clickhouse', url: 'http://ch:8123', hostUrls: ['http://a:8123', 'http://b:8123'] } },
      { database: 'tracker' },
    ],
    [
      'clickhouse store on a cluster',
      { store: { kind: 'clickhouse', url: 'http://ch:8123', cluster: 'main' } },
      { database: 'tracker', cluster: 'main' },
    ],
  ])('%s', (_name, raw, expected) => {
    expect(storeRendering(parseConfig(raw).store)).toEqual(expected);
  });
});
