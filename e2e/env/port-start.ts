// Starting a server that takes its ports on the command line (it cannot bind port 0 and say what it got):
// the ports come from freePort(), which closed them again, so another test process can bind one before the
// server does. The server then dies of "address already in use"; this starts it again on fresh ports.
import { freePort, portTaken } from './ports.ts';

/** Starts before giving up: each found a port taken by another process between freePort() and the bind. */
export const PORT_ATTEMPTS = 3;

/** `N` port numbers: a tuple a start destructures (`[client, peer]`) when `N` is a literal. */
export type Ports<N extends number, P extends number[] = []> = number extends N
  ? number[]
  : P['length'] extends N
    ? P
    : Ports<N, [...P, number]>;

export interface PortStart<T, N extends number> {
  /** The server, as the error after the last attempt names it. */
  readonly what: string;
  /** How many ports the server takes; every attempt gets as many fresh ones. */
  readonly ports: N;
  /**
   * Starts the server on `ports` and resolves once it has bound them. When it cannot, it rejects with the
   * server's output in the message (portTaken() reads it there) and leaves nothing running.
   */
  readonly start: (ports: Ports<N>) => Promise<T>;
  readonly attempts?: number;
  /** Where each port comes from: freePort() (a test hands out a port it holds, to make the collision). */
  readonly portSource?: () => Promise<number>;
}

async function freshPorts<N extends number>(n: N, source: () => Promise<number>): Promise<Ports<N>> {
  const ports: number[] = [];
  for (let i = 0; i < n; i++) ports.push(await source());
  return ports as Ports<N>;
}

/** The ports of `ports` that a line saying "address already in use" names (all of them if none does). */
function takenOf(ports: readonly number[], output: string): readonly number[] {
  const lines = output.split('\n').filter((l) => portTaken(new Error(l)));
  const named = ports.filter((p) => lines.some((l) => new RegExp(`:${p}(?!\\d)`).test(l)));
  return named.length > 0 ? named : ports;
}

/** `spec.start` on fresh ports, again on other fresh ones while a port it was given turns out taken. */
export async function startOnFreePorts<T, N extends number>(spec: PortStart<T, N>): Promise<T> {
  const attempts = spec.attempts ?? PORT_ATTEMPTS;
  for (let attempt = 1; ; attempt++) {
    const ports = await freshPorts(spec.ports, spec.portSource ?? freePort);
    try {
      return await spec.start(ports);
    } catch (err) {
      if (!portTaken(err)) throw err;
      if (attempt < attempts) continue;
      const message = (err as Error).message;
      const taken = takenOf(ports, message);
      throw new Error(
        `${spec.what}: another process took its port each time, ${attempts} starts on fresh ports; ` +
          `the last found ${taken.length === 1 ? 'port' : 'ports'} ${taken.join(', ')} in use:\n${message}`,
        { cause: err },
      );
    }
  }
}
