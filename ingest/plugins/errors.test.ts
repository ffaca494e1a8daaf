// Requests Node's HTTP parser refuses, over a real socket (inject() skips the parser): they are answered with
// the same JSON {error, message} as every other refusal, with the parser's status.
import { connect } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../app.ts';
import { createDataPathDouble } from '../testing/datapath-double.ts';
import { testDeps } from '../testing/deps.ts';

let app: FastifyInstance;
let port = 0;
beforeAll(async () => {
  app = await buildApp(await testDeps(createDataPathDouble()));
  await app.listen({ host: '127.0.0.1', port: 0 });
  port = (app.server.address() as { port: number }).port;
});
afterAll(() => app.close());

/** Sends raw bytes, answers everything the server wrote until it closed the connection. */
function raw(request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(request));
    let out = '';
    socket.on('data', (d) => {
      out += String(d);
    });
    // a reset after the answer (the server closes while the client still sends) is not a failure
    socket.on('error', (err) => (out === '' ? reject(err) : resolve(out)));
    socket.on('close', () => resolve(out));
  });
}

const body = (response: string) => JSON.parse(response.slice(response.indexOf('\r\n\r\n') + 4));

describe('requests the HTTP parser refuses', () => {
  it('headers larger than allowed: 431 with the catalogue body', async () => {
    const res = await raw(`GET /tr/v1/tr/?x=${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
    expect(res).toMatch(/^HTTP\/1\.1 431 /);
    expect(res).toMatch(/content-type: application\/json/i);
    expect(body(res)).toEqual({ error: 'BAD_REQUEST', message: expect.stringMatching(/headers/) });
  });

  it('a malformed request: 400 with the catalogue body', async () => {
    const res = await raw('POST /tr/v1/str/ HTTP/1.1\r\nHost: x\r\nContent-Length: five\r\n\r\n{}');
    expect(res).toMatch(/^HTTP\/1\.1 400 /);
    expect(body(res)).toEqual({ error: 'BAD_REQUEST', message: 'the request is not valid HTTP' });
  });
});
