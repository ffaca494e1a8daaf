// WebSocket transport: each batch is one binary frame (u32 LE size + LZ4 block of the JSON array) whose
// first event carries an `ack` id; the ingest answers `{ack, eids}` once the batch is durable, or
// `{ack, error, message}` when it refuses the frame. Until a frame is acknowledged its events stay queued. When the socket cannot be opened
// the batch goes over HTTP instead, and the socket is not retried for a while.
import { lz4Frame } from './lz4.ts';
import { AGREE } from './queue.ts';
import type { Result, Transport } from './transport.ts';

// Codes of refusals that a later retry may get past (backpressure, rate limit, not ready, crash).
const RETRYABLE = ['RATE_LIMITED', 'NOT_READY', 'OVERLOADED', 'INTERNAL'];
const ACK_TIMEOUT_MS = 10_000;
const DOWN_MS = 30_000;

interface Reply {
  ack?: number;
  error?: string;
  message?: string;
}

export function wsTransport(endpoint: string, http: Transport): Transport {
  const url = `${endpoint.replace(/^http/, 'ws')}/tr/v1/ws`;
  let sock: WebSocket | undefined;
  let opening: Promise<WebSocket | undefined> | undefined;
  let downUntil = 0;
  let seq = 0;
  const waiting = new Map<number, (r: Result) => void>();

  const onReply = (data: unknown) => {
    let msg: Reply;
    try {
      msg = JSON.parse(String(data)) as Reply;
    } catch {
      return;
    }
    // Every answer carries its frame's ack id, refusals too, except for a frame the ingest could not read
    // at all (not JSON, not LZ4): it answers a connection's frames in order, so that one belongs to the
    // oldest frame still waiting.
    const ack = msg.ack ?? (msg.error === undefined ? undefined : waiting.keys().next().value);
    const done = ack === undefined ? undefined : waiting.get(ack);
    if (!done) return;
    waiting.delete(ack!);
    const e = msg.error;
    const message = typeof msg.message === 'string' ? { message: msg.message } : {};
    done(e === undefined ? { ok: true } : { ok: false, error: e, ...message, final: !RETRYABLE.includes(e) });
  };

  const open = (): Promise<WebSocket | undefined> => {
    if (sock?.readyState === WebSocket.OPEN) return Promise.resolve(sock);
    if (Date.now() < downUntil) return Promise.resolve(undefined);
    opening ??= new Promise((resolve) => {
      const s = new WebSocket(url);
      s.binaryType = 'arraybuffer';
      s.onopen = () => {
        sock = s;
        opening = undefined;
        resolve(s);
      };
      s.onmessage = (m) => onReply(m.data);
      s.onclose = () => {
        if (sock === s) sock = undefined;
        else {
          downUntil = Date.now() + DOWN_MS;
          opening = undefined;
          resolve(undefined);
        }
        // frames without an answer may or may not be stored: retried with the same eids
        for (const done of waiting.values()) done({ ok: false });
        waiting.clear();
      };
    });
    return opening;
  };

  return {
    async send(evs) {
      // the socket carries events only: a consent record goes to its own route
      const s = evs[0] && AGREE in evs[0] ? undefined : await open();
      if (s === undefined) return http.send(evs);
      const ack = ++seq;
      const text = JSON.stringify([{ ...evs[0], ack }, ...evs.slice(1)]);
      return new Promise<Result>((resolve) => {
        const timer = setTimeout(() => {
          waiting.delete(ack);
          resolve({ ok: false });
          s.close();
        }, ACK_TIMEOUT_MS);
        waiting.set(ack, (r) => {
          clearTimeout(timer);
          resolve(r);
        });
        s.send(lz4Frame(new TextEncoder().encode(text)));
      });
    },
    beacon: (evs) => http.beacon(evs),
    close: () => sock?.close(),
  };
}
