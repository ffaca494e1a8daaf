// Random free loopback ports, so parallel environments never collide. A port is free when asked and may be
// taken before its server binds it; within one process, at least, a port is never handed out twice (the
// kernel may give the same free port to two asks in a row, and one server then found its second port taken
// by its first).
import { createServer } from 'node:net';

const handedOut = new Set<number>();

function askKernel(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export async function freePort(): Promise<number> {
  for (;;) {
    const port = await askKernel();
    if (handedOut.has(port)) continue;
    handedOut.add(port);
    return port;
  }
}

/** Whether a server's start failed because a port it was given was taken meanwhile (try other ports). */
export const portTaken = (err: unknown): boolean =>
  err instanceof Error && /address already in use/i.test(err.message);

/** A loopback URL nothing listens on: a port the kernel gave out, closed again (a server that is down). */
export const closedPortUrl = async (): Promise<string> => `http://127.0.0.1:${await freePort()}`;
