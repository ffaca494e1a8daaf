// A KV bucket keeps the configured number of copies. Creating a bucket that exists leaves it as it is, so
// one made with fewer copies (before the setting was raised, or while the NATS cluster was smaller) kept
// them for good: losing the one server that held it lost the spool's batch boundaries (a replay could cut
// a different batch, under a token the store does not know) or the destinations' fed marks. JetStream
// changes a bucket's copies when its stream's config is updated, so that is done at every open.
// Type imports only: the data path's door exports it, and a disk-spool ingest must not load the NATS client.
import type { JetStreamManager } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';

/**
 * Gives the bucket `replicas` copies, up or down. A refusal (more copies than the NATS cluster has
 * servers with JetStream, or a single server outside a cluster) fails the open with an error that names
 * the bucket, its stream and `setting`, the key that asks for the copies.
 */
export async function keepReplicas(
  jsm: JetStreamManager,
  kv: KV,
  replicas: number,
  setting: string,
): Promise<void> {
  const status = await kv.status();
  if (status.replicas === replicas) return;
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
