// The erase statements of both renderings through the real ClickHouse parser (chdb's formatQuery), and the
// single-node ones run for real against the migrated schema (a cluster needs Keeper; formatQuery proves the
// ON CLUSTER form parses, and the unit test pins that it names the _local tables).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyMigrations } from '../../schema/index.ts';
import { EmbeddedStore } from '../../store/index.ts';
import { type EraseRendering, eraseStatements, runErase } from './erasures.ts';

const target = {
  vid: '1d2c3b4a-0000-4000-8000-000000000001',
  uid: '6f1f7a5e-8f0c-4a1d-9a8e-2b1f0c3d4e5f',
  ehash: 'abc',
  oid: '0a000000-0000-4000-8000-00000000000a',
};

let store: EmbeddedStore;
beforeAll(async () => {
  store = await EmbeddedStore.open({ path: mkdtempSync(join(tmpdir(), 'erase-')), database: 'erase_db' });
});
afterAll(async () => {
  await store.close();
});

describe.each([
  ['single node', { database: 'erase_db' }],
  ['cluster', { database: 'erase_db', cluster: 'tracker_cluster' }],
] as const)('the %s erase statements', (_name, rendering: EraseRendering) => {
  it('parse with the real ClickHouse parser', async () => {
    const statements = eraseStatements(target, rendering);
    expect(statements.length).toBeGreaterThan(5);
    for (const { sql } of statements) {
      const [row] = await store.query<{ f: string }>('SELECT formatQuery({sql:String}) AS f', { sql });
      expect(row?.f, sql).toMatch(/^ALTER TABLE erase_db\.\w+/);
      if (rendering.cluster !== undefined) expect(row?.f, sql).toMatch(/_local ON CLUSTER tracker_cluster/);
    }
  });
});

describe('the single-node erase on the migrated schema', () => {
  it('runs every statement and deletes only the visitor', async () => {
    await applyMigrations(store, { database: 'erase_db' });
    const other = '1d2c3b4a-0000-4000-8000-000000000002';
    await store.command(
      `INSERT INTO erase_db.events (eid, vid, oid) VALUES
         (generateUUIDv4(), {vid:UUID}, {oid:UUID}), (generateUUIDv4(), {other:UUID}, {oid:UUID})`,
      { vid: target.vid, oid: target.oid, other },
    );
    const failed = await runErase([store], eraseStatements(target, { database: 'erase_db' }));
    expect(failed).toEqual([]);
    const rows = await store.query<{ vid: string }>('SELECT toString(vid) AS vid FROM erase_db.events');
    expect(rows.map((r) => r.vid)).toEqual([other]);
  });

  // A server-side event sent without an org (the README's own /str example) is stored with the zero oid;
  // an API key's erase request, scoped to its org, left it and answered done.
  it("in an org's scope, deletes the person's rows of that org and of no org, not another org's", async () => {
    const otherOrg = '0b000000-0000-4000-8000-00000000000b';
    await store.command(
      `INSERT INTO erase_db.events (eid, uid, oid, ename) VALUES
         (generateUUIDv4(), {uid:UUID}, {oid:UUID}, 'own'), (generateUUIDv4(), {uid:UUID}, {otherOrg:UUID}, 'other'),
         (generateUUIDv4(), {uid:UUID}, '00000000-0000-0000-0000-000000000000', 'none')`,
      { uid: target.uid, oid: target.oid, otherOrg },
    );
    const scoped = { uid: target.uid, oid: target.oid };
    expect(await runErase([store], eraseStatements(scoped, { database: 'erase_db' }))).toEqual([]);
    const rows = await store.query<{ ename: string }>(
      'SELECT ename FROM erase_db.events WHERE uid = {uid:UUID}',
      { uid: target.uid },
    );
    expect(rows.map((r) => r.ename)).toEqual(['other']);
  });
});
