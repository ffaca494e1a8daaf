// The KV buckets the ingest keeps on nats.url (the daily cookieless salts, the shared rate limits), each with
// nats.replicas copies: with one copy, losing the one NATS server or volume that holds a bucket loses the
// day's salts (every cookieless visitor gets a new id mid-day) and the shared counts. Kvm.create leaves a
// bucket that exists as it is, so one made with fewer copies (before nats.replicas, or on a smaller NATS
// cluster) is scaled to the configured count here, as the spool scales its stream and buckets.
import { jetstreamManager } from '@nats-io/jetstream';
import { type KV, Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { keepReplicas } from '../datapath/index.ts';

export interface BucketOptions {
  /** How long an entry lives. */
  readonly ttlMs: number;
  /** Copies of the bucket on the NATS cluster (nats.replicas). */
  readonly replicas: number;
}

export async function openKvBucket(nc: NatsConnection, name: string, o: BucketOptions): Promise<KV> {
  const kv = await new Kvm(nc).create(name, { ttl: o.ttlMs, history: 1, replicas: o.replicas });
  await keepReplicas(await jetstreamManager(nc), kv, o.replicas, 'nats.replicas');
  return kv;
}
