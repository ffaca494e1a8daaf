// Open sockets per client (an IPv4 address, an IPv6 /64, as the rate limits count: key.ts). Without a
// bound one client held as many sockets as it opened (2000 from one address, about 30 KB each). A socket
// is counted from its upgrade's admission, before the handshake completes, so upgrades sent at once are
// bounded too, until its TCP connection closes: whether the handshake then failed or the socket lived and
// closed, that is the one event both end with.
import type { FastifyRequest } from 'fastify';
import { IngestError } from '../../errors.ts';
import { rateLimitKey } from '../../plugins/rate-limit/key.ts';
import { clientIp } from '../../plugins/request-context.ts';

/** Admits an upgrade within `max` open per client (0: no bound), or throws RATE_LIMITED (429). */
export function socketsPerClient(max: number, onRefused: () => void): (req: FastifyRequest) => void {
  const open = new Map<string, number>();
  return (req) => {
    if (max === 0) return;
    const key = rateLimitKey(clientIp(req));
    const n = open.get(key) ?? 0;
    if (n >= max) {
      onRefused();
      throw new IngestError(
        'RATE_LIMITED',
        `too many WebSocket connections from this client (websocket.maxConnectionsPerClient: ${max})`,
      );
    }
    // An injected request (Fastify's inject, the tests' WebSocket injection) has no socket to close:
    // nothing to count it against.
    const socket = req.raw.socket as typeof req.raw.socket | undefined;
    if (socket === undefined) return;
    open.set(key, n + 1);
    socket.once('close', () => {
      const left = (open.get(key) ?? 1) - 1;
      // a client with none open is forgotten: the map holds only clients with a socket
      if (left <= 0) open.delete(key);
      else open.set(key, left);
    });
  };
}
