// Daily rate-limit counters shared by every ingest replica through a NATS JetStream KV bucket.
// Keys are `<day>.<hashed ip>` (the IP is HMAC-hashed: raw IPs never leave the process); increments use
// optimistic concurrency (create, else update at the read revision, retried on conflict), so concurrent
// replicas never lose a count. Entries expire with the bucket TTL (2 days).
import type { KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import type { DailyCounter } from '../plugins/rate-limit/limiter.ts';
import type { Hasher } from '../privacy/hash.ts';
import { openKvBucket } from './kv-bucket.ts';

const TTL_MS = 2 * 86_400_000;
const MAX_ATTEMPTS = 20;

async function incrementOnce(kv: KV, key: string): Promise<number | undefined> {
  const entry = await kv.get(key);
  if (entry === null || entry.operation !== 'PUT') {
    try {
      await kv.create(key, '1');
      return 1;
    } catch {
      return undefined; // someone else created it: retry as an update
    }
  }
  const next = Number(entry.string()) + 1;
  try {
    await kv.update(key, String(next), entry.revision);
    return next;
  } catch {
    return undefined; // revision moved on: retry
  }
}

export async function createKvDailyCounter(
  nc: NatsConnection,
  bucket: string,
  hasher: Hasher,
  replicas: number,
): Promise<DailyCounter> {
  const kv = await openKvBucket(nc, bucket, { ttlMs: TTL_MS, replicas });
  return {
    async increment(ip, day) {
      const key = `${day}.${hasher.hash('ratelimit', ip).replaceAll(/[^A-Za-z0-9_-]/g, '_')}`;
      for (let i = 0; i < MAX_ATTEMPTS; i++) {
        const n = await incrementOnce(kv, key);
        if (n !== undefined) return n;
      }
      throw new Error(`rate-limit counter ${key}: too much contention`);
    },
    close: async () => {},
  };
}
