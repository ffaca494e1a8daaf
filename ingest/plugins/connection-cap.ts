// A bound on the TCP connections one listener holds open (server.maxConnections): without it, many clients
// (or one with many addresses) could hold sockets, idle keep-alive ones included, until the process ran out
// of file descriptors or memory, and every client was refused at once. Node's own net.Server.maxConnections
// closes a connection past the bound as soon as it is accepted, before any byte is read (a TLS handshake
// included); its 'drop' event is counted, logged at most every 10 s with how many it stood for, and lets go
// of the idle keep-alive connections, so that a listener full of connections nobody uses makes room for
// the ones that come with a request. Each listener (public, ops, sql) counts its own: a flood of the
// public port never locks out the metrics scrape or the SQL endpoint.
import type { Server } from 'node:net';
import type { FastifyBaseLogger } from 'fastify';
import { reportGate } from '../runtime-log.ts';

export type Listener = 'public' | 'ops' | 'sql';

/** How often, at most, refused connections are logged (with the count since the last line). */
const LOG_EVERY_MS = 10_000;

export interface ConnectionCap {
  readonly listener: Listener;
  /** server.maxConnections; 0 leaves the listener unbounded. */
  readonly max: number;
  /** Counts one refused connection (tracker_connections_refused_total{listener}). */
  readonly refused: () => void;
  readonly log: FastifyBaseLogger;
  readonly now?: () => number;
}

interface Reclaiming {
  closeIdleConnections?: () => void;
}

/** Bounds `server`'s open connections as `cap` says (call before it listens). */
export function capConnections(server: Server, cap: ConnectionCap): void {
  if (cap.max === 0) return;
  server.maxConnections = cap.max;
  const now = cap.now ?? Date.now;
  const gate = reportGate(LOG_EVERY_MS, now);
  // a flood refuses many connections in one turn of the event loop: their idle peers are let go once
  let reclaiming = false;
  server.on('drop', () => {
    cap.refused();
    const heldBack = gate('');
    if (heldBack !== undefined) {
      const more = heldBack > 0 ? ` (and ${heldBack} more since the last report)` : '';
      cap.log.warn(
        { code: 'CONNECTIONS_REFUSED', listener: cap.listener, maxConnections: cap.max },
        `connection refused: the ${cap.listener} listener holds server.maxConnections (${cap.max})${more}`,
      );
    }
    if (reclaiming) return;
    reclaiming = true;
    setImmediate(() => {
      reclaiming = false;
      (server as Reclaiming).closeIdleConnections?.();
    });
  });
}
