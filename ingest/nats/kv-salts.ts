// Cookieless-id salts shared by every replica through NATS JetStream KV (privacy.salts: nats), so one
// visitor gets the same daily id whichever replica serves it. The bucket's TTL deletes each salt 48 h
// after it was created; the first replica to need a day's salt creates it (KV create is atomic), the
// others read it. Salts are cached in process until their own 48 h are up.
import { randomBytes } from 'node:crypto';
import type { NatsConnection } from '@nats-io/transport-node';
import { beforeDeadline, DeadlineError } from '../deadline.ts';
import { IngestError } from '../errors.ts';
import { dayKey, SALT_TTL_MS, type SaltStore } from '../privacy/salts.ts';
import { openKvBucket } from './kv-bucket.ts';

/**
 * `replicas`: copies of the bucket (nats.replicas), as many as the spool's on a NATS cluster. `waitMs`:
 * longest a request waits for a day's salt it does not hold yet; then 503 OVERLOADED (a NATS frozen rather
 * than down answers nothing, and each KV call would wait the client's own 5 s).
 */
export async function createKvSaltStore(
  nc: NatsConnection,
  bucket: string,
  replicas: number,
  waitMs = Number.POSITIVE_INFINITY,
): Promise<SaltStore> {
  const kv = await openKvBucket(nc, bucket, { ttlMs: SALT_TTL_MS, replicas });
  const local = new Map<string, { salt: Buffer; at: number }>();
  const load = async (day: string): Promise<Buffer> => {
    const existing = await kv.get(day);
    if (existing !== null && existing.operation === 'PUT') return Buffer.from(existing.value);
    try {
      const salt = randomBytes(16);
      await kv.create(day, salt);
      return salt;
    } catch {
      const winner = await kv.get(day); // another replica created it first
      if (winner === null) throw new Error(`salt ${day}: not readable after a create conflict`);
      return Buffer.from(winner.value);
    }
  };
  return {
    async forDay(now) {
      for (const [d, s] of local) if (now - s.at >= SALT_TTL_MS) local.delete(d);
      const day = dayKey(now);
      const cached = local.get(day);
      if (cached !== undefined) return cached.salt;
      const salt = await beforeDeadline(() => load(day), Date.now() + waitMs, `salt ${day}`).catch(
        (err: unknown) => {
          if (!(err instanceof DeadlineError)) throw err;
          throw new IngestError('OVERLOADED', 'the shared salts (NATS KV) did not answer in time', {
            cause: err,
          });
        },
      );
      local.set(day, { salt, at: now });
      return salt;
    },
    days: () => [...local.keys()],
  };
}
