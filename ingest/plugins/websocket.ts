// The WebSocket plugin in a context of its own. Registered on the whole app it adds an onRequest and an
// onResponse hook and wraps the handler of every route, so every tracking request paid for WebSocket
// bookkeeping it never uses; here only the routes `register` adds get them.
//
// The plugin routes every HTTP upgrade through the app's router. An upgrade for a path outside this
// context would reach a plain HTTP handler (a tracking GET would record an event) and leave the socket
// open afterwards, so upgrades for other paths are answered 404 and closed before any route sees them.
//
// Closing replaces the plugin's own, which closed every socket at once: acknowledgements for frames still
// being stored were lost, and frames still queued were stored after the data path began its drain, or not
// at all. Here upgrades stop first, then `close` hands over the connections to be closed once stored.
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import websocket from '@fastify/websocket';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { rawRefusal } from './errors.ts';

type Upgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

const NOT_FOUND = rawRefusal(404, { error: 'NOT_FOUND', message: 'no WebSocket endpoint at this path' });

/**
 * A handshake the WebSocket library would refuse in a text/html answer of its own, refused first in the
 * `{error, message}` JSON of every other refusal (the version header names what is spoken, as there).
 */
function handshakeRefusal(req: IncomingMessage): string | undefined {
  const bad = (message: string, headers?: Record<string, string>) =>
    rawRefusal(400, { error: 'BAD_REQUEST', message }, headers);
  if (req.headers.upgrade?.toLowerCase() !== 'websocket') return bad('Upgrade must be websocket');
  if (!/^[+/0-9A-Za-z]{22}==$/.test(req.headers['sec-websocket-key'] ?? ''))
    return bad('Sec-WebSocket-Key is missing or not 16 bytes in base64');
  // a string from Node's parser; a number from the plugin's `injectWS` (tests upgrade without a socket)
  const version = String(req.headers['sec-websocket-version']);
  if (version !== '13' && version !== '8')
    return bad('Sec-WebSocket-Version must be 13', { 'Sec-WebSocket-Version': '13, 8' });
  return undefined;
}

/** A socket error the client caused, as `tracker_ws_frames_total` counts it; undefined for any other. */
export function socketErrorOutcome(err: { code?: string }): string | undefined {
  if (err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') return 'BODY_TOO_LARGE';
  if (err.code?.startsWith('WS_ERR_')) return 'INVALID_FRAME';
  return err.code === 'ECONNRESET' || err.code === 'EPIPE' ? 'SOCKET_ERROR' : undefined;
}

/**
 * Most errors on an open socket are the client's doing: a frame over the size limit (the library closes
 * it 1009), text that is not UTF-8 (1007), a frame that breaks the protocol (1002), a reset. The plugin's
 * own handler logged each at error level with its stack, so any client could fill the error log; these
 * are counted (`onClientError`) and logged at debug. Anything else is still logged as an error. Either
 * way the socket is closed.
 */
function socketError(onClientError: (outcome: string) => void) {
  return (err: Error & { code?: string }, socket: { terminate(): void }, req: FastifyRequest) => {
    const outcome = socketErrorOutcome(err);
    if (outcome === undefined) req.log.error(err);
    else {
      onClientError(outcome);
      req.log.debug({ code: err.code }, `websocket closed: ${err.message}`);
    }
    socket.terminate();
  };
}

export interface WebSocketOptions {
  readonly maxPayload: number;
  readonly paths: readonly string[];
  readonly close: () => Promise<void>;
  /** A socket closed for an error the client caused, by outcome (`socketErrorOutcome`). */
  readonly onClientError: (outcome: string) => void;
}

export async function registerWebSocket(
  app: FastifyInstance,
  options: WebSocketOptions,
  register: (child: FastifyInstance) => void,
): Promise<void> {
  await app.register(async (child) => {
    let stopUpgrades = () => {};
    const preClose = async () => {
      stopUpgrades();
      await options.close();
      child.websocketServer.close();
    };
    await child.register(websocket, {
      options: { maxPayload: options.maxPayload },
      preClose,
      errorHandler: socketError(options.onClientError),
    });
    stopUpgrades = onlyUpgradesFor(child.server, new Set(options.paths));
    // `injectWS` (upgrades without a socket, in tests) is decorated on this context: offer it on the app.
    app.decorate('injectWS', child.injectWS);
    register(child);
  });
}

/**
 * Wraps the plugin's upgrade listener: upgrades for other paths never reach the router. Returns how to
 * remove the wrappers (the plugin, closing, removes only its own listener, which is no longer there).
 */
function onlyUpgradesFor(server: Server, paths: ReadonlySet<string>): () => void {
  const wrappers: Upgrade[] = [];
  for (const listener of server.listeners('upgrade') as Upgrade[]) {
    server.removeListener('upgrade', listener);
    const wrapper: Upgrade = (req, socket, head) => {
      const refusal = paths.has(pathOf(req.url)) ? handshakeRefusal(req) : NOT_FOUND;
      if (refusal === undefined) listener(req, socket, head);
      else socket.end(refusal);
    };
    server.on('upgrade', wrapper);
    wrappers.push(wrapper);
  }
  return () => {
    for (const wrapper of wrappers) server.removeListener('upgrade', wrapper);
  };
}

const pathOf = (url: string | undefined): string => (url ?? '').split('?', 1)[0] ?? '';
