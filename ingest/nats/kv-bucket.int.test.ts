// The KV buckets the ingest keeps on NATS, on a real three-server JetStream cluster: the salts bucket keeps
// the configured number of copies (it was made with one on any cluster, so losing the server that held it
// changed every cookieless visitor's id for the rest of the day), and a bucket made earlier with one copy
// is scaled up without losing the salt it holds.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type JetStreamManager, jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type NatsCluster, startNatsCluster } from '../../e2e/env/nats.ts';
import { SALT_TTL_MS } from '../privacy/salts.ts';
import { createKvSaltStore } from './kv-salts.ts';

let cluster: NatsCluster;
let nc: NatsConnection;
let jsm: JetStreamManager;
beforeAll(async () => {
  cluster = await startNatsCluster(mkdtempSync(join(tmpdir(), 'nats-cluster-')), 3);
  nc = await connect({ servers: cluster.url.split(',') });
  jsm = await jetstreamManager(nc);
});
afterAll(async () => {
  await nc?.close();
  await cluster?.stop();
});

const copies = async (bucket: string) => (await jsm.streams.info(`KV_${bucket}`)).config.num_replicas;

describe('KV buckets on a three-server NATS cluster', () => {
  it('the salts bucket keeps the configured number of copies', async () => {
    const salts = await createKvSaltStore(nc, 'salts_new', 3);
    expect(await copies('salts_new')).toBe(3);
    expect((await salts.forDay(Date.UTC(2025, 5, 1, 9))).length).toBe(16);
  });

  it('a salts bucket made with one copy is scaled up and keeps its salt', async () => {
    const old = await new Kvm(nc).create('salts_old', { ttl: SALT_TTL_MS, history: 1, replicas: 1 });
    const day = Date.UTC(2025, 5, 2, 9);
    const before = await (await createKvSaltStore(nc, 'salts_old', 1)).forDay(day);
    expect((await old.status()).replicas).toBe(1);
    const salts = await createKvSaltStore(nc, 'salts_old', 3);
    expect(await copies('salts_old')).toBe(3);
    expect((await salts.forDay(day)).equals(before)).toBe(true);
  });
});
