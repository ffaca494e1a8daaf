// Test doubles of the destinations' far ends, on a local HTTP port: a Graph API test double (the
// Conversions API's POST /<version>/<pixel>/events) and a webhook receiver double. Both record what
// they accepted; a test sets how they answer (a status for every request, a refusal for requests
// carrying a given event, a delay) and can stop and restart them on the same port.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
  readonly json: {
    data?: Record<string, unknown>[];
    events?: Record<string, unknown>[];
    [k: string]: unknown;
  };
}

export interface Behaviour {
  /** Answer every request with this status (and a Facebook-style error body) instead of accepting it. */
  status?: number;
  /** Refuse (400, Facebook error 100) any request carrying an event this predicate picks. */
  refuse?: (event: Record<string, unknown>) => boolean;
  /** Milliseconds before answering. */
  delayMs?: number;
}

export interface ReceiverDouble {
  readonly url: string;
  /** Requests accepted (2xx), in order. */
  readonly accepted: Received[];
  /** Every request that reached the double, accepted or not. */
  readonly attempts: number;
  behaviour: Behaviour;
  /** Event ids (Graph API: data[].event_id; webhook: events[].eid) of every accepted request. */
  ids(): string[];
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
}

const events = (r: Received) => r.json.data ?? r.json.events ?? [];
const idOf = (e: Record<string, unknown>) => String(e.event_id ?? e.eid);

function fbError(code: number, message: string, transient: boolean) {
  return JSON.stringify({
    error: { message, type: 'OAuthException', code, is_transient: transient, fbtrace_id: 'T' },
  });
}

export async function startReceiverDouble(behaviour: Behaviour = {}): Promise<ReceiverDouble> {
  const accepted: Received[] = [];
  let attempts = 0;
  let port = 0;
  const sockets = new Set<import('node:net').Socket>();
  const double: ReceiverDouble = {
    url: '',
    accepted,
    get attempts() {
      return attempts;
    },
    behaviour,
    ids: () => accepted.flatMap(events).map(idOf),
    stop: () => stopServer(server, sockets),
    start: () => listen(server, port).then(() => undefined),
  };
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    attempts++;
    const body = await readBody(req);
    const received: Received = { path: req.url ?? '', headers: req.headers, body, json: JSON.parse(body) };
    const b = double.behaviour;
    if (b.delayMs) await new Promise((r) => setTimeout(r, b.delayMs));
    res.setHeader('content-type', 'application/json');
    if (b.status !== undefined) {
      res.writeHead(b.status).end(fbError(2, 'Service temporarily unavailable', true));
    } else if (b.refuse !== undefined && events(received).some(b.refuse)) {
      res.writeHead(400).end(fbError(100, 'Invalid parameter', false));
    } else {
      accepted.push(received);
      res.writeHead(200).end(JSON.stringify({ events_received: events(received).length, fbtrace_id: 'T' }));
    }
  };
  const server: Server = createServer((req, res) => void handle(req, res));
  server.on('connection', (s) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  port = await listen(server, 0);
  return Object.assign(double, { url: `http://127.0.0.1:${port}` });
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

/** Closes the listener and every open connection (keep-alive sockets would keep "up" otherwise). */
function stopServer(server: Server, sockets: Set<import('node:net').Socket>): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    for (const s of sockets) s.destroy();
  });
}
