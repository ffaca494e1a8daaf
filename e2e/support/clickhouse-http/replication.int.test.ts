// The ClickHouse-HTTP test double's replication stand-in and statement log, through the unmodified
// @clickhouse/client (the store package): the system tables show what the test set, and the SYSTEM
// statements follow ClickHouse's rules, so an operator test against it cannot pass on a statement
// ClickHouse would refuse.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ClickHouseDouble,
  startClickHouseDouble,
} from '../../../operator/testing/clickhouse-doubles.ts';
import { ClickHouseStore } from '../../../store/index.ts';
import { waitFor } from '../../env/wait.ts';

let double: ClickHouseDouble;
let store: ClickHouseStore;

beforeAll(async () => {
  double = await startClickHouseDouble({ record: true, replication: true });
  store = new ClickHouseStore({ url: double.url, database: 'default' });
  await double.setReplication({
    tables: [
      {
        database: 'db',
        table: 't_local',
        replicaName: 'r0',
        zookeeperPath: '/clickhouse/tables/0/db/t_local',
        replicas: { r0: true, r1: true, r2: false },
        queue: 3,
      },
    ],
  });
});

afterAll(async () => {
  await store?.close();
  await double?.remove();
});

describe('replication stand-in', () => {
  it('shows the replicas and the queue the test set, queried on the real engine', async () => {
    const rows = await store.query<{ table: string; replica_is_active: Record<string, number> }>(
      'SELECT table, replica_is_active FROM system.replicas WHERE database = {db:String}',
      { db: 'db' },
    );
    expect(rows).toEqual([{ table: 't_local', replica_is_active: { r0: 1, r1: 1, r2: 0 } }]);
    const [queue] = await store.query<{ n: string }>('SELECT count() AS n FROM system.replication_queue');
    expect(Number(queue?.n)).toBe(3);
  });

  it.each([
    ['the local replica', "SYSTEM DROP REPLICA 'r0' FROM TABLE db.t_local", /can't drop local replica/],
    ['an active replica', "SYSTEM DROP REPLICA 'r1' FROM DATABASE db", /because it's active/],
  ])('refuses to drop %s', async (_what, sql, message) => {
    await expect(store.command(sql)).rejects.toThrow(message);
  });

  it('drops an inactive replica', async () => {
    await store.command("SYSTEM DROP REPLICA 'r2' FROM TABLE `db`.`t_local`");
    expect((await double.replication()).tables[0]?.replicas).toEqual({ r0: true, r1: true });
  });

  it('syncs a replica (empties its queue), or fails as told', async () => {
    const state = await double.replication();
    await double.setReplication({ ...state, syncFails: 'stuck fetch' });
    await expect(store.command('SYSTEM SYNC REPLICA db.t_local LIGHTWEIGHT')).rejects.toThrow(/stuck fetch/);
    await double.setReplication({ ...state, syncFails: undefined });
    await store.command('SYSTEM SYNC REPLICA db.t_local LIGHTWEIGHT');
    expect((await double.replication()).tables[0]?.queue).toBe(0);
  });

  it('holds a sync while told, answering other statements meanwhile, and runs it once released', async () => {
    const state = await double.replication();
    await double.setReplication({ ...state, syncHeld: true });
    let settled = false;
    const sync = store.command('SYSTEM SYNC REPLICA db.t_local').finally(() => {
      settled = true;
    });
    // The statement log is written when a statement arrives, before it runs.
    await waitFor(async () => (await double.statements()).includes('SYSTEM SYNC REPLICA db.t_local'), {
      what: 'the held sync to reach the double',
    });
    const [row] = await store.query<{ n: string }>('SELECT count() AS n FROM system.replicas');
    expect(Number(row?.n)).toBe(1);
    expect(settled).toBe(false);
    await double.setReplication({ ...state, syncHeld: false });
    await sync;
    expect(settled).toBe(true);
  });

  it('recorded every statement in order', async () => {
    const statements = (await double.statements()).filter((s) => s.startsWith('SYSTEM'));
    expect(statements).toEqual([
      "SYSTEM DROP REPLICA 'r0' FROM TABLE db.t_local",
      "SYSTEM DROP REPLICA 'r1' FROM DATABASE db",
      "SYSTEM DROP REPLICA 'r2' FROM TABLE `db`.`t_local`",
      'SYSTEM SYNC REPLICA db.t_local LIGHTWEIGHT',
      'SYSTEM SYNC REPLICA db.t_local LIGHTWEIGHT',
      'SYSTEM SYNC REPLICA db.t_local',
    ]);
  });
});
