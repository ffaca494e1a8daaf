// Plain HTTP on the TLS port: the TLS layer would fail the handshake and drop the connection, and a user who
// forgot `https://` saw "Empty reply from server" with no hint why. As nginx does, the first byte of every
// connection is looked at before the TLS server takes it: a TLS connection starts with a handshake record
// (content type 0x16) and is handed on untouched; anything else is answered with a plain-text HTTP 400 in
// the `{error, message}` shape of every refusal, and closed.
import type { Server, Socket } from 'node:net';
import { IngestError, mapError } from '../errors.ts';
import { rawRefusal } from './errors.ts';

/** The TLS record type of a handshake: the first byte a TLS client sends (its ClientHello). */
const TLS_HANDSHAKE = 0x16;

/**
 * How long a connection may stay silent before its first byte: the window Node gives a TLS handshake by
 * default (handshakeTimeout), which bounded such a connection before the TLS server had to wait for us.
 */
const FIRST_BYTE_TIMEOUT_MS = 120_000;

/** How long a refused client has to read the answer and close before the connection is dropped. */
const LINGER_MS = 5_000;

function refuse(socket: Socket): void {
  const { status, body } = mapError(new IngestError('TLS_REQUIRED'));
  // The client may still be sending its request: reading and discarding it until the client closes keeps
  // the kernel from answering with a reset, which could discard the 400 before the client reads it.
  socket.setTimeout(LINGER_MS, () => socket.destroy());
  socket.end(rawRefusal(status, body));
  socket.resume();
}

/**
 * Answers plain HTTP on `server` (a TLS server) with a 400 instead of a dropped connection. Call once, on
 * a server whose own connection handling (the TLS server's) is already in place: connections reach it only
 * after their first byte said TLS, that byte still unread.
 */
export function refusePlainHttp(server: Server): void {
  const handlers = server.listeners('connection') as ((socket: Socket) => void)[];
  server.removeAllListeners('connection');
  server.on('connection', (socket: Socket) => {
    // a reset before the first byte must not become an unhandled 'error' event: nothing was said yet
    const drop = () => socket.destroy();
    socket.on('error', drop);
    socket.setTimeout(FIRST_BYTE_TIMEOUT_MS, drop);
    socket.once('data', (chunk: Buffer) => {
      socket.pause();
      socket.setTimeout(0);
      socket.removeListener('timeout', drop);
      if (chunk[0] !== TLS_HANDSHAKE) {
        refuse(socket);
        return;
      }
      // from here on the TLS socket handles this socket's errors, as for any connection it accepts
      socket.removeListener('error', drop);
      // Put back what was read: the TLS socket reads a socket's buffered data before its own reads.
      socket.unshift(chunk);
      for (const handle of handlers) handle.call(server, socket);
    });
  });
}
