// The KV buckets the ingest keeps on nats.url (the daily cookieless salts, the shared rate limits), each with
// nats.replicas copies: with one copy, losing the one NATS server or volume that holds a bucket loses the
// day's salts (every cookieless visitor gets a new id mid-day) and the shared counts. Kvm.create leaves a
// bucket that exists as it is, so one made with fewer copies (before nats.replicas, or on a smaller NATS
// cluster) is scaled to the configured count here, as the spool scales its stream and buckets.
import { type JetStreamManager, jetstreamManager } from '@nats-io/jetstream';
import { type KV, Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { keepReplicas } from '../datapath/index.ts';

export interface BucketOptions {
  /** How long an entry lives. */
  readonly ttlMs: number;
  /** Copies of the bucket on the NATS cluster (nats.replicas). */
  readonly replicas: number;
  /**
   * A bucket that exists with a longer TTL gets this one (Kvm.create leaves it as it was made): for
   * entries that must be gone in time, such as the salts, which an older version kept twice as long.
   */
  readonly lowerTtl?: boolean;
}

export async function openKvBucket(nc: NatsConnection, name: string, o: BucketOptions): Promise<KV> {
  const kv = await new Kvm(nc).create(name, { ttl: o.ttlMs, history: 1, replicas: o.replicas });
  const jsm = await jetstreamManager(nc);
  await keepReplicas(jsm, kv, o.replicas, 'nats.replicas');
  if (o.lowerTtl === true) await lowerTtl(jsm, kv, o.ttlMs);
  return kv;
}

async function lowerTtl(jsm: JetStreamManager, kv: KV, ttlMs: number): Promise<void> {
  const status = await kv.status();
  if (status.ttl > 0 && status.ttl <= ttlMs) return;
  // max_age is in nanoseconds; the update merges into the bucket's config, and JetStream then removes
  // the entries older than the new age
  await jsm.streams.update(status.streamInfo.config.name, { max_age: ttlMs * 1_000_000 });
}
