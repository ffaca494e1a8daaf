// GET /tr/v1/ws: WebSocket event stream. Every message is a client event built from the upgrade request
// (IP, cookies, path, query) plus the message. Origins are checked against domains.websocketOrigins (a
// browser sends any page's cookies along), frames are size-limited by the ws server itself (maxPayload), and a
// message carrying `ack` gets `{ack, eids}` back once durable, or `{ack, error, message}` when refused.
import type { WebSocket } from '@fastify/websocket';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppDeps } from '../../deps.ts';
import { IngestError, mapError } from '../../errors.ts';
import { bodyEvents, overBase, requestInput } from '../../model/collect.ts';
import type { Metrics } from '../../plugins/metrics.ts';
import { requestContext, siteRequest } from '../../plugins/request-context.ts';
import { type Answer, noAnswer, type Tracking } from '../../tracking.ts';
import type { RouteApp } from '../shared.ts';
import { type Answered, frameFlow } from './flow.ts';
import { decodeFrame } from './frames.ts';
import { socketsPerClient } from './per-client.ts';

export function originAllowed(origin: string | undefined, allowed: readonly string[]): boolean {
  if (allowed.length === 0 || allowed.includes('*')) return true;
  return origin !== undefined && allowed.includes(origin);
}

interface Session {
  readonly req: FastifyRequest;
  readonly base: Record<string, unknown>;
  readonly socket: WebSocket;
}

/**
 * The ack id a frame asks for: on its event, or on the first event of an array. Read before the frame's
 * shape is checked, so that a frame refused for its shape (too many events, an element that is not an
 * event) is answered with it too; only a frame that is not JSON at all is answered without one.
 */
function ackOf(parsed: unknown): unknown {
  const first: unknown = Array.isArray(parsed) ? parsed[0] : parsed;
  if (first === null || typeof first !== 'object' || Array.isArray(first)) return undefined;
  return (first as Record<string, unknown>).ack;
}

function reply(socket: WebSocket, body: object): Answered {
  return replyText(socket, JSON.stringify(body));
}

/** Sends an answer, and tells when it is written out to the client (undefined: the socket is not open). */
function replyText(socket: WebSocket, text: string): Answered {
  if (socket.readyState !== socket.OPEN) return undefined;
  return { written: new Promise((resolve) => socket.send(text, () => resolve())) };
}

/**
 * A stored frame's answer, `{ack, eids}` as JSON text made before the write (none when the frame asked
 * for none): the frame's events and ids are then not kept while the write waits (ADR 0060).
 */
const ackAnswer = (ack: unknown): Answer<string | undefined> =>
  ack === undefined ? noAnswer : (stored) => JSON.stringify({ ack, eids: stored.map((e) => e.eid) });

/**
 * A frame's events: one object, or an array of 1 to `max` of them. An HTTP body may be empty (its path
 * pairs are the event); a frame has no path, so an empty one (`null`, `""`) was stored as an event with
 * nothing in it, and an empty array was taken in silence.
 */
function frameEvents(parsed: unknown, max: number) {
  const events = parsed === null || parsed === '' ? undefined : bodyEvents(parsed);
  if (events === undefined)
    throw new IngestError('INVALID_FRAME', 'frame must hold an event object or an array of them');
  if (events.length > max)
    throw new IngestError('INVALID_FRAME', `frame: a batch holds at most ${max} events`);
  if (events.length === 0)
    throw new IngestError('INVALID_FRAME', 'frame: a batch holds at least one event (the array is empty)');
  return events;
}

async function onMessage(
  s: Session,
  data: Buffer,
  isBinary: boolean,
  deps: AppDeps,
  tracking: Tracking,
  m: Metrics,
): Promise<Answered> {
  const kind = isBinary ? 'lz4' : 'json';
  let ack: unknown;
  try {
    const parsed = decodeFrame(data, isBinary, deps.config.websocket.maxDecompressedBytes);
    ack = ackOf(parsed);
    const events = frameEvents(parsed, deps.config.server.maxBatchEvents);
    const answer = await tracking.track(
      tracking.bindSite(overBase(s.base, events), siteRequest(s.req)),
      requestContext(s.req, 'client', (deps.now ?? Date.now)()),
      ackAnswer(ack),
    );
    m.wsFrames.inc({ kind, outcome: 'stored' });
    return answer === undefined ? undefined : replyText(s.socket, answer);
  } catch (err) {
    const mapped = mapError(err);
    m.wsFrames.inc({ kind, outcome: mapped.body.error });
    // errors are always answered: a frame skipped in silence would leave the client guessing
    const written = reply(s.socket, ack === undefined ? mapped.body : { ack, ...mapped.body });
    if (mapped.body.error === 'BODY_TOO_LARGE') s.socket.close(1009, 'frame too large');
    return written;
  }
}

export const WS_PATH = '/tr/v1/ws';

/**
 * A plain GET (or HEAD) of the WebSocket path: 426 naming the upgrade it needs, in the catalogue's JSON
 * (the plugin's default was a bare 404, as if the endpoint did not exist).
 */
async function notUpgraded(_req: FastifyRequest, reply: FastifyReply) {
  return reply
    .status(426)
    .header('upgrade', 'websocket')
    .send({
      error: 'UPGRADE_REQUIRED',
      message: `${WS_PATH} is a WebSocket endpoint: send Upgrade: websocket`,
    });
}

/** A connection as the ingest closes it: the frames it has read are stored before it goes. */
interface Connection {
  readonly socket: WebSocket;
  /** Resolves once every frame read so far has been handled (stored and answered, or refused). */
  readonly handled: () => Promise<void>;
  /** Resolves once the socket is closed. */
  readonly closed: Promise<void>;
}

/** The route's connections, as /status and the closing ingest see them. */
export interface WsConnections {
  readonly open: () => number;
  /**
   * Closes every connection once the frames it has read are stored and acknowledged; frames read during
   * the closing handshake are stored too. Resolves when no connection has a frame left to store.
   */
  readonly close: () => Promise<void>;
}

// How long a client has to answer the close frame before its socket is ended without it (the ws library
// itself would wait 30 s, most of the drain's grace period).
const CLOSE_HANDSHAKE_MS = 5_000;

const GOING_AWAY = 1001;
const NORMAL = 1000;

/**
 * Closes a socket that sent no frame for `ms` (websocket.idleTimeoutMs) and has none left to store: an
 * idle client holds a connection and its buffers for nothing, and the browser client opens a new one
 * when it next sends. Returns what a frame calls to restart the clock and what the close calls to stop it.
 */
function idleClose(socket: WebSocket, ms: number, busy: () => boolean) {
  const timer = setTimeout(function expire() {
    if (busy()) timer.refresh();
    else if (socket.readyState === socket.OPEN) socket.close(NORMAL, 'idle timeout');
  }, ms);
  timer.unref();
  return { touch: () => timer.refresh(), stop: () => clearTimeout(timer) };
}

async function closeConnection(c: Connection): Promise<void> {
  // first the frames already read, while acknowledgements can still reach the client
  await c.handled();
  if (c.socket.readyState === c.socket.OPEN) c.socket.close(GOING_AWAY, 'server closing');
  const timer = setTimeout(() => c.socket.terminate(), CLOSE_HANDSHAKE_MS);
  await c.closed;
  clearTimeout(timer);
  // then any the client sent before it saw the close frame: stored, though no longer answered
  await c.handled();
}

/** Registers the route; returns its connections (a gauge for /status, and how to close them). */
export function wsRoutes(
  app: RouteApp,
  deps: AppDeps,
  tracking: Tracking,
  metrics: Metrics,
  limit: object,
): WsConnections {
  let open = 0;
  // every connection until its socket is closed and its last frame handled
  const connections = new Set<Connection>();
  const admit = socketsPerClient(deps.config.websocket.maxConnectionsPerClient, () =>
    metrics.rateLimited.inc({ reason: 'ws_connections' }),
  );
  const onSocket = (socket: WebSocket, req: FastifyRequest) => {
    open++;
    const session: Session = { req, socket, base: requestInput(req) };
    // Messages are handled in order per connection so acks arrive in send order. A client that sends
    // faster than the data path stores, or than it reads its answers, is slowed down by pausing the
    // socket's reads (backpressure, flow.ts), not disconnected: the Go tracker's browser client never
    // asks for acks and sends in bursts.
    const flow = frameFlow(socket);
    const idle = idleClose(socket, deps.config.websocket.idleTimeoutMs, flow.busy);
    socket.on('message', (data: Buffer, isBinary: boolean) => {
      idle.touch();
      flow.push(() => onMessage(session, data, isBinary, deps, tracking, metrics));
    });
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    const connection: Connection = { socket, handled: flow.handled, closed };
    connections.add(connection);
    void closed.then(async () => {
      idle.stop();
      open--;
      await flow.handled();
      connections.delete(connection);
    });
    socket.on('error', () => socket.terminate());
  };
  // an upgrade goes to the socket handler, a plain request to the HTTP one
  app.route({
    method: 'GET',
    url: WS_PATH,
    ...limit,
    preValidation: async (req) => {
      if (!originAllowed(req.headers.origin, deps.config.domains.websocketOrigins)) {
        throw new IngestError('FORBIDDEN', 'origin not allowed');
      }
      // an upgrade only: a plain GET is answered 426 and holds no socket
      if (req.ws) admit(req);
    },
    wsHandler: onSocket,
    handler: notUpgraded,
  });
  return {
    open: () => open,
    close: async () => {
      await Promise.all([...connections].map(closeConnection));
    },
  };
}
