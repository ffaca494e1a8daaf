// A client drip-feeding its headers or its body (slowloris) is answered 408 REQUEST_TIMEOUT within the
// configured limit: Node's defaults (headers 60 s, each limit checked only every 30 s) held such a
// connection for up to 95 s whatever requestTimeout said, and the 408 said BAD_REQUEST.
import { connect, type Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../app.ts';
import { createDataPathDouble } from '../testing/datapath-double.ts';
import { testDeps } from '../testing/deps.ts';

let app: FastifyInstance;
let port = 0;
beforeAll(async () => {
  const server = { requestTimeoutMs: 600, headersTimeoutMs: 300 };
  app = await buildApp(await testDeps(createDataPathDouble(), { server }));
  await app.listen({ host: '127.0.0.1', port: 0 });
  port = (app.server.address() as { port: number }).port;
});
afterAll(() => app.close());

interface Outcome {
  readonly answer: string;
  /** Whether the server closed before the client had sent everything it meant to. */
  readonly cutShort: boolean;
}

/**
 * Sends `head`, then `drip` one byte per tick, and resolves when the server closes the connection: far
 * more drip than the limits allow, so a connection the server keeps would outlast the test's timeout.
 */
function dripFeed(head: string, drip: string): Promise<Outcome> {
  return new Promise((resolve) => {
    const socket: Socket = connect(port, '127.0.0.1', () => socket.write(head));
    let answer = '';
    let sent = 0;
    const tick = setInterval(() => {
      if (sent < drip.length && socket.writable) socket.write(drip[sent++] ?? '');
    }, 20);
    socket.on('data', (d) => {
      answer += String(d);
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearInterval(tick);
      resolve({ answer, cutShort: sent < drip.length });
    });
  });
}

const body = (response: string) => JSON.parse(response.slice(response.indexOf('\r\n\r\n') + 4));

describe('slow clients', () => {
  it.each([
    ['headers', 'GET /health HTTP/1.1\r\n', `X-Slow: ${'a'.repeat(2000)}\r\n\r\n`],
    [
      'body',
      'POST /tr/v1/tr/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2000\r\n\r\n',
      `{"x":"${'a'.repeat(1992)}"}`,
    ],
  ])('drip-fed %s: 408 REQUEST_TIMEOUT and the connection closed', async (_what, head, drip) => {
    const { answer, cutShort } = await dripFeed(head, drip);
    expect(cutShort).toBe(true);
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(body(answer)).toEqual({ error: 'REQUEST_TIMEOUT', message: expect.stringMatching(/in time/) });
  });
});
