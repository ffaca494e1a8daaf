// An erase request accepted by one ingest pod of a TrackerCluster and not finished when that pod went (a
// rollout, a scale-down, an eviction, a lost node) stayed `pending` for good: it was journaled in the
// pod's state directory, an emptyDir that goes with the pod, and no other replica could see it. On the
// JetStream spool the journal is a KV bucket next to the spool's stream, so another instance sharing the
// stream finishes the request, and the entry holding the person's ids is purged once it is done; a
// bucket that cannot be written answers 503 and records nothing, as a journal directory that cannot be.
// Real HTTP, the real data path on a real nats-server, chdb.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager, type StreamUpdateConfig } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { type HeldStore, holdCommand } from '../datapath/testing/held-store.ts';
import { post, statusOf, visitor } from '../testing/erase-http.ts';
import { type Live, startLive } from '../testing/live.ts';

// chdb binds one data directory per process: the instances of every test share it (databases differ)
const dir = mkdtempSync(join(tmpdir(), 'erase-across-'));
const running: Live[] = [];
afterAll(async () => {
  for (const live of running) await live.close();
});

/** Asks for the visitor's erasure, as the visitor: the request id of the 202. */
async function forget(base: string, v: { vid: string; vtok: string }): Promise<string> {
  const res = await post(`${base}/tr/v1/ppi/forget`, { vid: v.vid }, `vid=${v.vid}; vtok=${v.vtok}`);
  expect(res.status).toBe(202);
  return ((await res.json()) as { request_id: string }).request_id;
}

/** Messages in the stream of the KV bucket (values, history and delete markers alike). */
async function bucketMessages(url: string, bucket: string): Promise<number> {
  const nc = await connect({ servers: url });
  try {
    return (await (await jetstreamManager(nc)).streams.info(`KV_${bucket}`)).state.messages;
  } finally {
    await nc.close();
  }
}

/** Seals the bucket's stream: JetStream refuses every write to it from then on. */
async function seal(url: string, bucket: string): Promise<void> {
  const nc = await connect({ servers: url });
  try {
    // the client's update type leaves the field out; the server takes it
    const sealed = { sealed: true } as Partial<StreamUpdateConfig>;
    await (await jetstreamManager(nc)).streams.update(`KV_${bucket}`, sealed);
  } finally {
    await nc.close();
  }
}

const COUNT = 'SELECT count() AS n FROM events WHERE vid = {vid:UUID}';

describe('an erase request on the JetStream spool', () => {
  it('accepted by an instance that stops before running it is finished by another sharing the stream, its entry purged', async () => {
    const id = Date.now().toString(36);
    const url = inject('natsUrl');
    const spool = {
      kind: 'nats',
      dir: join(dir, 'spool'),
      nats: { url, stream: `ERASE_${id}`, subjectPrefix: `erase.${id}` },
    };
    // each instance its own state directory (a pod's emptyDir); the store and the stream are shared
    const instance = (name: string) => ({
      spool,
      server: { host: '127.0.0.1', port: 0, stateDir: join(dir, name), trustedProxies: ['127.0.0.1'] },
    });
    let hold: HeldStore | undefined;
    const first = await startLive(instance('a'), dir, undefined, (real) => {
      hold = holdCommand(real, /^ALTER TABLE \S+ DELETE/);
      return hold.store;
    });
    const erased = await visitor(first.url);
    const kept = await visitor(first.url);
    const requestId = await forget(first.url, erased);
    await hold?.held; // its erasure is under way: the first delete waits, and never reaches the store
    await first.close(0);
    rmSync(join(dir, 'a'), { recursive: true, force: true }); // the pod's emptyDir goes with the pod

    const second = await startLive(instance('b'), dir);
    running.push(second);
    await expect.poll(() => statusOf(second.url, requestId), { timeout: 30_000 }).toBe('done');
    const count = async (vid: string) => Number((await second.rows<{ n: string }>(COUNT, { vid }))[0]?.n);
    expect(await count(erased.vid)).toBe(0);
    await second.runtime.deps.dataPath.settled(['events']);
    expect(await count(kept.vid)).toBe(1);
    // once the second pass has run, nothing of the entry (the last copy of the person's id) or its lease
    // is left in the bucket's stream: no value, no history, no delete marker
    await expect.poll(() => bucketMessages(url, `ERASE_${id}_erasures`), { timeout: 40_000 }).toBe(0);
  });

  it('is answered 503 OVERLOADED, and nothing recorded, when the bucket cannot be written', async () => {
    const id = Date.now().toString(36);
    const url = inject('natsUrl');
    const nats = { url, stream: `REFUSE_${id}`, subjectPrefix: `refuse.${id}` };
    const live = await startLive(
      {
        spool: { kind: 'nats', dir: join(dir, 'spool-refused'), nats },
        server: { host: '127.0.0.1', port: 0, stateDir: join(dir, 'refused'), trustedProxies: ['127.0.0.1'] },
        store: { kind: 'embedded', path: join(dir, 'chdb'), database: 'refused' },
      },
      dir,
    );
    running.push(live);
    const v = await visitor(live.url);
    await seal(url, `REFUSE_${id}_erasures`);
    const res = await post(`${live.url}/tr/v1/ppi/forget`, { vid: v.vid }, `vid=${v.vid}; vtok=${v.vtok}`);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ error: 'OVERLOADED' });
    expect(res.headers.get('retry-after')).not.toBeNull();
    await live.runtime.deps.dataPath.settled(['erasures']);
    expect(await live.rows('SELECT request_id FROM erasures')).toEqual([]);
    expect(await bucketMessages(url, `REFUSE_${id}_erasures`)).toBe(0);
  });
});
