// The per-IP burst bucket shared by every ingest replica through a NATS JetStream KV bucket: one entry per
// (HMAC-hashed) IP holding the bucket's tokens and the time they were counted at. A hit reads the entry,
// refills and takes a token (limiter.ts drawToken), and writes it back only if nobody wrote in between
// (create, else update at the read revision; retried on conflict), so replicas together never take more
// tokens than the bucket holds. A refusal writes nothing. Entries expire after a minute without hits: a
// bucket untouched for a second is full again anyway.
import { JetStreamApiCodes, JetStreamApiError } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import {
  type BucketState,
  type BurstBucket,
  drawToken,
  type Verdict,
} from '../plugins/rate-limit/limiter.ts';
import type { Hasher } from '../privacy/hash.ts';
import { openKvBucket } from './kv-bucket.ts';

const TTL_MS = 60_000;
/**
 * Each conflict means another replica's hit went through, so a retry always makes progress; the bound only
 * stops a pathological loop. Past it the hit is refused, as the bucket is evidently being drained.
 */
const MAX_ATTEMPTS = 50;

function parse(text: string): BucketState | undefined {
  const [tokens, at] = text.split('@').map(Number);
  return Number.isFinite(tokens) && Number.isFinite(at)
    ? { tokens: tokens as number, at: at as number }
    : undefined;
}

const format = (s: BucketState): string => `${s.tokens}@${s.at}`;

/** Another replica wrote the entry since it was read; anything else (NATS away, timeouts) is an error. */
const lostRace = (err: unknown): boolean =>
  err instanceof JetStreamApiError &&
  (err.code === JetStreamApiCodes.StreamWrongLastSequence ||
    err.code === JetStreamApiCodes.StreamWrongLastSequenceUnknown);

async function attempt(kv: KV, key: string, now: number, rate: number): Promise<Verdict | undefined> {
  const entry = await kv.get(key);
  const live = entry !== null && entry.operation === 'PUT';
  const { next, verdict } = drawToken(live ? parse(entry.string()) : undefined, now, rate);
  if (!verdict.ok) return verdict;
  try {
    if (live) await kv.update(key, format(next), entry.revision);
    else await kv.create(key, format(next));
    return verdict;
  } catch (err) {
    if (lostRace(err)) return undefined; // read again
    throw err;
  }
}

export async function createKvBurstBucket(
  nc: NatsConnection,
  bucket: string,
  hasher: Hasher,
  replicas: number,
): Promise<BurstBucket> {
  const kv = await openKvBucket(nc, bucket, { ttlMs: TTL_MS, replicas });
  return {
    async take(ip, now, rate) {
      const key = `b.${hasher.hash('ratelimit', ip).replaceAll(/[^A-Za-z0-9_-]/g, '_')}`;
      for (let i = 0; i < MAX_ATTEMPTS; i++) {
        const verdict = await attempt(kv, key, now, rate);
        if (verdict !== undefined) return verdict;
      }
      return { ok: false, reason: 'burst', retryAfterS: 1 };
    },
  };
}
