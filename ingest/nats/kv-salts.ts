// Cookieless-id salts shared by every replica through NATS JetStream KV (privacy.salts: nats), so one
// visitor gets the same daily id whichever replica serves it. The first replica to need a day's salt
// creates it (KV create is atomic), the others read it. A salt is only used during its own UTC day, and
// must be gone 48 h after that day began: the bucket's TTL counts from the salt's creation, anywhere in
// its day, so it is 24 h (a salt made at 23:59 lives until 23:59 the next day, not two days more).
// Each process holds the salts it read until 48 h after their day began (privacy/salts.ts).
import { randomBytes } from 'node:crypto';
import type { NatsConnection } from '@nats-io/transport-node';
import { beforeDeadline, DeadlineError } from '../deadline.ts';
import { IngestError } from '../errors.ts';
import { DAY_MS, dayKey, heldSalts, type SaltStore, type Schedule, unrefTimer } from '../privacy/salts.ts';
import { openKvBucket } from './kv-bucket.ts';

/** The bucket's TTL: a salt lives the rest of its day and is gone 48 h after the day began at the latest. */
export const SALT_BUCKET_TTL_MS = DAY_MS;

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
  schedule: Schedule = unrefTimer,
): Promise<SaltStore> {
  const kv = await openKvBucket(nc, bucket, { ttlMs: SALT_BUCKET_TTL_MS, replicas, lowerTtl: true });
  const local = heldSalts(schedule);
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
      const cached = local.get(now);
      if (cached !== undefined) return cached;
      const day = dayKey(now);
      const salt = await beforeDeadline(() => load(day), Date.now() + waitMs, `salt ${day}`).catch(
        (err: unknown) => {
          if (!(err instanceof DeadlineError)) throw err;
          throw new IngestError('OVERLOADED', 'the shared salts (NATS KV) did not answer in time', {
            cause: err,
          });
        },
      );
      local.set(now, salt);
      return salt;
    },
    days: local.days,
  };
}
