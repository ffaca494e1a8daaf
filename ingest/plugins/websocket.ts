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
import type { FastifyInstance } from 'fastify';

type Upgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

const NOT_FOUND = 'HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n';

export async function registerWebSocket(
  app: FastifyInstance,
  options: { maxPayload: number; paths: readonly string[]; close: () => Promise<void> },
  register: (child: FastifyInstance) => void,
): Promise<void> {
  await app.register(async (child) => {
    let stopUpgrades = () => {};
    const preClose = async () => {
      stopUpgrades();
      await options.close();
      child.websocketServer.close();
    };
    await child.register(websocket, { options: { maxPayload: options.maxPayload }, preClose });
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
      if (paths.has(pathOf(req.url))) listener(req, socket, head);
      else socket.end(NOT_FOUND);
    };
    server.on('upgrade', wrapper);
    wrappers.push(wrapper);
  }
  return () => {
    for (const wrapper of wrappers) server.removeListener('upgrade', wrapper);
  };
}

const pathOf = (url: string | undefined): string => (url ?? '').split('?', 1)[0] ?? '';
