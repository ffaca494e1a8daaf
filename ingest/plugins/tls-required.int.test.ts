// Plain HTTP sent to the TLS port, over a real HTTPS listener: it is answered with a 400 that says the port
// speaks HTTPS (it was a dropped connection: curl's "Empty reply from server"), and HTTPS still works.
import { mkdtempSync } from 'node:fs';
import { type ClientRequest, request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { tmpdir } from 'node:os';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeSelfSignedCert } from '../../e2e/support/tls-cert.ts';
import { buildApp } from '../app.ts';
import { createDataPathDouble } from '../testing/datapath-double.ts';
import { testDeps } from '../testing/deps.ts';
import { readTls } from '../tls/reload.ts';

interface Answer {
  status: number | undefined;
  headers: IncomingMessage['headers'];
  body: string;
}

type Request = (options: RequestOptions, onResponse: (res: IncomingMessage) => void) => ClientRequest;

function send(req: Request, port: number, method: string, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const r = req(
      { host: '127.0.0.1', port, method, path: '/ping', rejectUnauthorized: false, agent: false },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          text += c;
        });
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: text }));
      },
    );
    r.on('error', reject);
    r.end(body);
  });
}

describe('plain HTTP on the TLS port', () => {
  let app: FastifyInstance;
  let port = 0;
  beforeAll(async () => {
    const files = writeSelfSignedCert(mkdtempSync(`${tmpdir()}/tls-required-`), 'localhost');
    app = await buildApp(await testDeps(createDataPathDouble(), {}, { https: readTls(files) }));
    await app.listen({ host: '127.0.0.1', port: 0 });
    port = (app.server.address() as { port: number }).port;
  });
  afterAll(async () => {
    await app.close();
  });

  it('is answered 400 TLS_REQUIRED, saying the port speaks HTTPS, and the connection closed', async () => {
    const res = await send(httpRequest, port, 'GET');
    expect(res.status).toBe(400);
    expect(res.headers.connection).toBe('close');
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(res.body)).toEqual({
      error: 'TLS_REQUIRED',
      message: 'This port speaks HTTPS only: send the request to an https:// URL.',
    });
  });

  it('answers a POST with a body alike', async () => {
    const res = await send(httpRequest, port, 'POST', 'x'.repeat(256 * 1024));
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toMatchObject({ error: 'TLS_REQUIRED' });
  });

  it('leaves HTTPS as it was, before and after a plain request', async () => {
    const res = await send(httpsRequest, port, 'GET');
    expect([res.status, res.body]).toEqual([200, 'pong']);
    await send(httpRequest, port, 'GET');
    const again = await send(httpsRequest, port, 'GET');
    expect([again.status, again.body]).toEqual([200, 'pong']);
  });
});
