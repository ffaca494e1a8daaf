// The KV buckets the ingest keeps on NATS, on a real three-server JetStream cluster: the salts bucket keeps
// the configured number of copies (it was made with one on any cluster, so losing the server that held it
// changed every cookieless visitor's id for the rest of the day), and a bucket made earlier with one copy
// is scaled up without losing the salt it holds. So are the JetStream spool's cut bucket, the erasure
// journal's bucket, and the destinations' fed-marks bucket and backlog streams (they kept the copies they
// were made with, or are new and must not lag behind); a single
// server refuses more copies than it has, with an error that names the bucket and the setting.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type JetStreamManager, jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type NatsCluster, startNatsCluster } from '../../e2e/env/nats.ts';
import { parseConfig } from '../config.ts';
import { keepReplicas, openSpool } from '../datapath/index.ts';
import { natsBacklogs } from '../destinations/backlog/nats-backlogs.ts';
import { openEraseJournal } from '../erasure/index.ts';
import { SALT_TTL_MS } from '../privacy/salts.ts';
import { createKvSaltStore, SALT_BUCKET_TTL_MS } from './kv-salts.ts';

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
    // made with a 48 h TTL, which kept a salt created late in its day until 72 h after the day began
    const maxAgeNs = (await jsm.streams.info('KV_salts_old')).config.max_age;
    expect(maxAgeNs).toBe(SALT_BUCKET_TTL_MS * 1_000_000);
    expect(SALT_BUCKET_TTL_MS).toBe(24 * 3600_000);
  });
});

/** An ingest's spool and destinations configuration on the cluster, asking for `replicas` copies. */
function configured(replicas: number) {
  return parseConfig({
    spool: {
      kind: 'nats',
      dir: mkdtempSync(join(tmpdir(), 'nats-replicas-')),
      nats: { url: cluster.url, stream: 'SPOOL_R', subjectPrefix: 'spool.r', replicas },
    },
    destinations: {
      dir: mkdtempSync(join(tmpdir(), 'nats-replicas-dest-')),
      nats: { streamPrefix: 'DEST_R', subjectPrefix: 'dest.r' },
    },
  });
}

/** Opens the spool and a destination's backlog as an ingest does, then lets go of them. */
async function openAndClose(replicas: number): Promise<void> {
  const c = configured(replicas);
  const spool = await openSpool(c.spool, Date.now);
  await spool.close();
  const journal = await openEraseJournal({
    stateDir: mkdtempSync(join(tmpdir(), 'nats-state-')),
    spool: c.spool,
  });
  await journal.close();
  const backlogs = await natsBacklogs(c.spool, c.destinations as NonNullable<typeof c.destinations>);
  await backlogs.open({ name: 'fb', backlogBytes: 1_048_576 });
  await backlogs.nc.close();
}

describe('the JetStream spool and destinations on a three-server NATS cluster', () => {
  it('scale their buckets and streams made with one copy to spool.nats.replicas', async () => {
    await openAndClose(1);
    expect(await copies('SPOOL_R_cuts')).toBe(1);
    expect(await copies('SPOOL_R_erasures')).toBe(1);
    await openAndClose(3);
    const streams = ['SPOOL_R', 'KV_SPOOL_R_cuts', 'KV_SPOOL_R_erasures', 'KV_DEST_R_fed', 'DEST_R_FB'];
    const replicas = await Promise.all(
      streams.map(async (s) => (await jsm.streams.info(s)).config.num_replicas),
    );
    expect(Object.fromEntries(streams.map((s, i) => [s, replicas[i]]))).toEqual(
      Object.fromEntries(streams.map((s) => [s, 3])),
    );
  });
});

describe('a single NATS server', () => {
  it('refuses more copies of a bucket with an error naming the bucket and the setting', async () => {
    const single = await connect({ servers: inject('natsUrl') });
    try {
      const name = `cuts_${Date.now().toString(36)}`;
      const kv = await new Kvm(single).create(name, { history: 1, replicas: 1 });
      const refused = keepReplicas(await jetstreamManager(single), kv, 3, 'spool.nats.replicas');
      await expect(refused).rejects.toThrow(
        new RegExp(`bucket ${name} \\(stream KV_${name}\\) from 1 to 3 copies.*set spool.nats.replicas to 1`),
      );
    } finally {
      await single.close();
    }
  });
});
