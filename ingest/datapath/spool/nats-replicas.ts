// A KV bucket keeps the configured number of copies. Creating a bucket that exists leaves it as it is, so
// one made with fewer copies (before the setting was raised, or while the NATS cluster was smaller) kept
// them for good: losing the one server that held it lost the spool's batch boundaries (a replay could cut
// a different batch, under a token the store does not know) or the destinations' fed marks. JetStream
// changes a bucket's copies when its stream's config is updated, so that is done at every open.

import { setTimeout as sleep } from 'node:timers/promises';
// Type imports only: the data path's door exports it, and a disk-spool ingest must not load the NATS client.
import type { JetStreamManager } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';

/**
 * Gives the bucket `replicas` copies, up or down. A refusal (more copies than the NATS cluster has
 * servers with JetStream, or a single server outside a cluster) fails the open with an error that names
 * the bucket, its stream and `setting`, the key that asks for the copies. Returns once the bucket
 * answers reads (see untilReadable).
 */
export async function keepReplicas(
  jsm: JetStreamManager,
  kv: KV,
  replicas: number,
  setting: string,
): Promise<void> {
  const status = await kv.status();
  if (status.replicas !== replicas) await changeReplicas(jsm, status, replicas, setting);
  await untilReadable(kv, status.bucket, status.streamInfo.config.name);
}

type BucketStatus = Awaited<ReturnType<KV['status']>>;

async function changeReplicas(
  jsm: JetStreamManager,
  status: BucketStatus,
  replicas: number,
  setting: string,
): Promise<void> {
  const stream = status.streamInfo.config.name;
  try {
    // the update merges into the bucket's current config: only the copies change
    await jsm.streams.update(stream, { num_replicas: replicas });
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new Error(
      `change the NATS KV bucket ${status.bucket} (stream ${stream}) from ${status.replicas} to ${replicas} copies: ${why}; ` +
        `${setting} asks for ${replicas}: run at least that many NATS servers with JetStream in one cluster, or set ${setting} to ${status.replicas}`,
      { cause: err },
    );
  }
}

/** How long a bucket may take to answer its first read, and the pause between two tries. */
export const READABLE_WITHIN_MS = 30_000;
const RETRY_MS = [25, 50, 100, 250, 500];

/**
 * Waits until a read of the bucket gets an answer. A bucket's reads are direct gets, served by the
 * servers that hold a current copy; on a NATS cluster a bucket just made or rescaled has none for a
 * moment, and a read then fails at once with "no responders" (the client retries its other JetStream
 * requests, not these). Without this wait the first salt of the day, burst count or fed mark read after
 * an ingest starts could fail. A missing key is an answer (null), so any key serves as the probe.
 */
export async function untilReadable(
  kv: Pick<KV, 'get'>,
  bucket: string,
  stream: string,
  withinMs = READABLE_WITHIN_MS,
): Promise<void> {
  const deadline = Date.now() + withinMs;
  for (let attempt = 0; ; attempt++) {
    try {
      await kv.get('readable-probe');
      return;
    } catch (err) {
      if (!noResponders(err)) throw err;
      if (Date.now() >= deadline) {
        throw new Error(
          `the NATS KV bucket ${bucket} (stream ${stream}) answers no reads ${withinMs} ms after it was opened: ` +
            `no server serves its direct gets; check that the servers holding its copies are up and in one cluster`,
          { cause: err },
        );
      }
      await sleep(RETRY_MS[Math.min(attempt, RETRY_MS.length - 1)] as number);
    }
  }
}

/** The client's NoRespondersError, found by name: this module must not load the NATS client itself. */
function noResponders(err: unknown): boolean {
  for (let e = err; e instanceof Error; e = e.cause) if (e.name === 'NoResponders') return true;
  return false;
}
