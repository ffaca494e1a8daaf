// Pods waiting on a PersistentVolumeClaim that is not bound (here: a StorageClass that does not exist, which
// the PV-binder test double, like a real cluster, never binds) never start. The Keeper and ClickHouse
// conditions name the claim and its class; they said only "0/1 Keeper members ready". Once the class exists
// the claim binds and the condition says so.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Fixture, startFixture } from './testing/fixture.ts';
import { condition, createTc, waitForCondition } from './testing/harness.ts';

const name = 'unbound';
const keeperClass = 'tracker-test-keeper-later';
const clickhouseClass = 'tracker-test-clickhouse-later';
let f: Fixture;

beforeAll(async () => {
  // No grace: a claim is named as soon as a reconcile sees it unbound (the default waits 30 s for a
  // volume being provisioned).
  f = await startFixture({
    prefix: 'op-unbound',
    name,
    hosts: { shards: 1, replicas: 1 },
    config: { queue: { claimPendingGraceMs: 0 } },
  });
  await createTc(f.rest, f.ns, name, {
    clickhouse: { shards: 1, replicas: 1, storage: { size: '1Gi', storageClassName: clickhouseClass } },
    keeper: { replicas: 1, storage: { size: '1Gi', storageClassName: keeperClass } },
    ingest: { replicas: 1 },
  });
});

afterAll(async () => {
  for (const cls of [keeperClass, clickhouseClass])
    await f?.rest.request('delete', `/apis/storage.k8s.io/v1/storageclasses/${cls}`).catch(() => undefined);
  await f?.stop();
});

const createClass = (cls: string) =>
  f.rest.request('create', '/apis/storage.k8s.io/v1/storageclasses', {
    body: {
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      metadata: { name: cls },
      provisioner: 'tracker.dev/fake',
    },
  });

describe('a claim that is not bound', () => {
  it('is named by KeeperReady and Ready while the Keeper pods wait for it', async () => {
    const tc = await waitForCondition(f.rest, f.ns, name, 'KeeperReady', 'False', { reason: 'ClaimUnbound' });
    const expected = `0/1 Keeper members ready (quorum 1): PersistentVolumeClaim data-${name}-keeper-0 is not bound to a volume (Pending; storage class ${keeperClass})`;
    expect(condition(tc, 'KeeperReady')?.message).toBe(expected);
    expect(condition(tc, 'Ready')).toMatchObject({
      reason: 'ClaimUnbound',
      message: `KeeperReady: ${expected}`,
    });
  });

  it('is named by ClickHouseReady once Keeper runs, and no longer once it is bound', async () => {
    await createClass(keeperClass);
    await waitForCondition(f.rest, f.ns, name, 'KeeperReady', 'True');
    const tc = await waitForCondition(f.rest, f.ns, name, 'ClickHouseReady', 'False', {
      reason: 'ClaimUnbound',
    });
    expect(condition(tc, 'ClickHouseReady')?.message).toBe(
      `0/1 ClickHouse hosts ready: PersistentVolumeClaim data-${name}-ch-0-0-0 is not bound to a volume (Pending; storage class ${clickhouseClass})`,
    );
    await createClass(clickhouseClass);
    await waitForCondition(f.rest, f.ns, name, 'ClickHouseReady', 'True');
  });
});
