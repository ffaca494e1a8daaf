// Loopback ports for tests. Two kinds, for two needs:
// - freePort(): a port free when asked, for a server that cannot bind port 0 itself and say what it got
//   (etcd, kube-apiserver, nats-server take their ports on the command line). It may be taken before that
//   server binds it (other test processes bind port 0 all the time): every such server is started through
//   startOnFreePorts() (port-start.ts), which starts it again on fresh ports when one was taken.
//   Within one process, at least, a port is never handed out twice (the kernel may give the same free
//   port to two asks in a row, and one server then found its second port taken by its first). A server of
//   this repository binds port 0 instead and reports the port it got (ingest/testing/announced.ts).
// - closedPort(): a port nothing listens on, for a test of a server that is down.
import { readFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';

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

/**
 * Whether a server's start failed because a port it was given was taken meanwhile (try other ports): its
 * output, in the error's message, says so in the words Go and Node use, or by the code alone (the ingest's
 * start-up line).
 */
export const portTaken = (err: unknown): boolean =>
  err instanceof Error && /address already in use|\bEADDRINUSE\b/i.test(err.message);

/**
 * The port closedPort() gives. A port just bound and released (what this was) is in the kernel's
 * ephemeral range, which every server bound to port 0 draws from: on a machine running tests in parallel
 * another test's server could get it a moment later, and "the server that is down" then answered. A
 * privileged port below that range is never given out for port 0, and no test binds a fixed port. Not 1:
 * fetch refuses to connect to the ports browsers block ("bad port"), and 1 is one of them; 2 is not, and no
 * service uses it.
 */
const CLOSED_PORT = 2;

/** The lowest port the kernel gives out for port 0 (Linux's default when it cannot be read). */
function ephemeralLow(): number {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
  } catch {
    return 32_768;
  }
}

/** Whether a connection to 127.0.0.1:`port` is refused now. */
const refused = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'));
  });

/**
 * A loopback port nothing listens on (a server that is down): connections to it are refused. Fails,
 * naming why, when that cannot be relied on here, rather than let a test talk to some other server.
 */
export async function closedPort(): Promise<number> {
  if (CLOSED_PORT >= ephemeralLow())
    throw new Error(`port ${CLOSED_PORT} is in this machine's ephemeral port range: port 0 may bind it`);
  if (!(await refused(CLOSED_PORT)))
    throw new Error(`127.0.0.1:${CLOSED_PORT} does not refuse connections: something listens there`);
  return CLOSED_PORT;
}

/** closedPort() as a URL (`http` unless another scheme is asked for). */
export const closedPortUrl = async (scheme = 'http'): Promise<string> =>
  `${scheme}://127.0.0.1:${await closedPort()}`;
