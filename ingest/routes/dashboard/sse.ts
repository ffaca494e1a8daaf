// One server-sent-events stream of the live feed: `event: events` with a JSON array per batch,
// `event: unavailable` with the `{error, message}` a request would have got when the store cannot be read
// (down or busy, or refusing the ingest), `event: available` when it is read again, a comment every 15 s
// so proxies keep the connection open, and a bounded number of streams (each is a subscriber of the one
// poller, so the store sees one query per interval however many dashboards are open).
import type { FastifyReply, FastifyRequest } from 'fastify';
import { IngestError } from '../../errors.ts';
import type { LiveFeed } from './live.ts';

export const MAX_STREAMS = 32;
const HEARTBEAT_MS = 15_000;

export interface StreamOptions {
  readonly feed: LiveFeed;
  /** Open streams, each as the function that ends it (ended before the server closes). */
  readonly streams: Set<() => void>;
  readonly oid: string;
  readonly afterMs: number;
}

export function streamLive(req: FastifyRequest, reply: FastifyReply, opts: StreamOptions): void {
  if (opts.streams.size >= MAX_STREAMS) {
    throw new IngestError('OVERLOADED', `at most ${MAX_STREAMS} live dashboards at once`);
  }
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'keep-alive',
    // nginx and similar proxies buffer responses unless told not to; a buffered stream is not live.
    'x-accel-buffering': 'no',
  });
  // A HEAD gets the stream's headers only: held open, it took one of the few live streams for nothing.
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  res.write('retry: 3000\n\n');
  const unsubscribe = opts.feed.subscribe(
    {
      oid: opts.oid,
      send: (events) => res.write(`event: events\ndata: ${JSON.stringify(events)}\n\n`),
      unavailable: (why) => res.write(`event: unavailable\ndata: ${JSON.stringify(why)}\n\n`),
      available: () => res.write('event: available\ndata: {}\n\n'),
    },
    opts.afterMs,
  );
  const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
  const end = () => {
    clearInterval(heartbeat);
    unsubscribe();
    opts.streams.delete(end);
    if (!res.writableEnded) res.end();
  };
  opts.streams.add(end);
  req.raw.on('close', end);
}
