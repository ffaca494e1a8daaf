// A bucket's first read after it is opened on a NATS cluster can find no server serving it yet; the open
// waits for an answer instead of letting that read fail. The KV here is a stand-in with only `get`: the
// moment without responders cannot be produced on demand by real servers.
import { describe, expect, it } from 'vitest';
import { untilReadable } from './nats-replicas.ts';

/** What the NATS client throws for a request nobody serves: a RequestError caused by NoResponders. */
function noResponders(): Error {
  const cause = Object.assign(new Error("no responders: '$JS.API.DIRECT.GET.KV_b'"), {
    name: 'NoResponders',
  });
  return new Error('request failed', { cause });
}

describe('untilReadable', () => {
  it('retries reads that find no responders until one is answered', async () => {
    let reads = 0;
    const kv = {
      get: async () => {
        reads++;
        if (reads < 4) throw noResponders();
        return null;
      },
    };
    await untilReadable(kv, 'b', 'KV_b');
    expect(reads).toBe(4);
  });

  it('names the bucket and its stream when no read is answered in time', async () => {
    const kv = {
      get: async () => {
        throw noResponders();
      },
    };
    await expect(untilReadable(kv, 'salts', 'KV_salts', 200)).rejects.toThrow(
      /KV bucket salts \(stream KV_salts\) answers no reads 200 ms after it was opened/,
    );
  });

  it('does not retry any other failure', async () => {
    let reads = 0;
    const kv = {
      get: async () => {
        reads++;
        throw new Error('permissions violation');
      },
    };
    await expect(untilReadable(kv, 'b', 'KV_b')).rejects.toThrow('permissions violation');
    expect(reads).toBe(1);
  });
});
