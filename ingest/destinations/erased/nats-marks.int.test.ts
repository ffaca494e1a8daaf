// The marks of erase requests shared over JetStream, on a real nats-server: what one instance records,
// another's forwarders apply before their next request (sync), and a removal reaches them too; a new
// instance starts with every mark there is.
import { randomBytes } from 'node:crypto';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createHasher } from '../../privacy/hash.ts';
import { ErasedIds } from './erased.ts';
import { openNatsMarks } from './nats-marks.ts';

const hasher = createHasher(randomBytes(32));
const VID = '0190a3b4-0000-7000-8000-000000000001';
const UID = '0190a3b4-0000-7000-8000-000000000002';
const RID = '0190a3b4-0000-7000-8000-0000000000f1';
const RID2 = '0190a3b4-0000-7000-8000-0000000000f2';

const opened: { nc: NatsConnection; ids: ErasedIds }[] = [];
afterAll(async () => {
  for (const o of opened) {
    await o.ids.close();
    await o.nc.close();
  }
});

/** An instance: its own connection, the marks of the bucket. */
async function instance(bucket: string): Promise<ErasedIds> {
  const nc = await connect({ servers: inject('natsUrl') });
  const store = await openNatsMarks(nc, { bucket, replicas: 1, timeoutMs: 2000 });
  const ids = await ErasedIds.open(store, hasher, () => undefined);
  opened.push({ nc, ids });
  return ids;
}

describe('the marks of erase requests on JetStream', () => {
  it('reach every instance: a sync applies what another recorded before it', async () => {
    const bucket = `ERASED_${Date.now().toString(36)}`;
    const a = await instance(bucket);
    const b = await instance(bucket);
    // what the stage of b rewrites its own dead letters on
    const told: string[] = [];
    b.onMark((mark) => told.push(mark.requestId));
    await a.record({ requestId: RID, askedAt: 1, target: { vid: VID } });
    await b.sync();
    expect(b.matches({ vid: VID })).toBe(true);
    expect(told).toEqual([RID]);
    await b.record({ requestId: RID2, askedAt: 1, target: { uid: UID, oid: RID } });
    await a.sync();
    expect(a.matches({ uid: UID, oid: RID })).toBe(true);
    // a new instance starts with both
    const c = await instance(bucket);
    expect(c.matches({ vid: VID })).toBe(true);
    expect(c.matches({ uid: UID, oid: RID })).toBe(true);
    // a mark removed (no backlog needs it) goes everywhere, and a later instance still starts
    expect(await a.prune(Number.MAX_SAFE_INTEGER, [Number.MAX_SAFE_INTEGER])).toBe(2);
    await expect.poll(() => b.matches({ vid: VID })).toBe(false);
    const d = await instance(bucket);
    expect(d.size).toBe(0);
    await d.sync();
  });
});
