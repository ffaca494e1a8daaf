// Every public answer says `X-Content-Type-Options: nosniff`, and with the ingest serving TLS itself,
// `Strict-Transport-Security`. Neither was sent: a browser could sniff an answer into another type, and
// one that once reached the ingest over HTTPS would try plain HTTP again. Over real HTTP and HTTPS
// listeners (data path TEST DOUBLE).
import { mkdtempSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeSelfSignedCert } from '../../e2e/support/tls-cert.ts';
import { buildApp } from '../app.ts';
import { createDataPathDouble } from '../testing/datapath-double.ts';
import { testDeps } from '../testing/deps.ts';
import { readTls } from '../tls/reload.ts';

const portOf = (app: FastifyInstance) => (app.server.address() as { port: number }).port;

function httpsHeaders(port: number, path: string) {
  return new Promise<Record<string, unknown>>((resolve, reject) => {
    const r = httpsRequest(
      { host: '127.0.0.1', port, path, rejectUnauthorized: false, agent: false },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode, ...res.headers }));
      },
    );
    r.on('error', reject);
    r.end();
  });
}

/** The head of the answer to a raw request (an upgrade refused before any route). */
function rawAnswer(port: number, text: string) {
  return new Promise<string>((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(text));
    let got = '';
    socket.on('data', (d) => (got += d));
    socket.on('end', () => resolve(got));
    socket.on('error', reject);
  });
}

describe('security headers over plain HTTP', () => {
  let app: FastifyInstance;
  let base = '';
  beforeAll(async () => {
    app = await buildApp(await testDeps(createDataPathDouble()));
    await app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${portOf(app)}`;
  });
  afterAll(() => app.close());

  it.each([
    ['an event stored', '/tr/v1/str/?ename=x', 200],
    ['the tracking pixel', '/tr/v1/img/ename/x', 200],
    ['a refusal', '/tr/v1/ppi/forget/not-a-uuid', 400],
    ['an unknown path', '/nowhere', 404],
    ['a probe', '/ping', 200],
  ])('%s: nosniff, no HSTS', async (_what, path, status) => {
    const res = await fetch(`${base}${path}`);
    expect(res.status).toBe(status);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('strict-transport-security')).toBeNull();
  });

  it('an upgrade refused before any route: nosniff', async () => {
    const head = await rawAnswer(
      portOf(app),
      'GET /elsewhere HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n',
    );
    expect(head).toMatch(/^HTTP\/1\.1 404 /);
    expect(head).toMatch(/\r\nX-Content-Type-Options: nosniff\r\n/);
  });
});

describe('security headers over HTTPS', () => {
  const files = writeSelfSignedCert(mkdtempSync(`${tmpdir()}/security-headers-`), 'localhost');
  const apps: FastifyInstance[] = [];
  const listening = async (server: Record<string, unknown>) => {
    const config = { server: { tls: files, ...server } };
    const app = await buildApp(await testDeps(createDataPathDouble(), config, { https: readTls(files) }));
    apps.push(app);
    await app.listen({ host: '127.0.0.1', port: 0 });
    return portOf(app);
  };
  afterAll(async () => {
    for (const app of apps) await app.close();
  });

  it('every answer carries HSTS, a year by default, and nosniff', async () => {
    const port = await listening({});
    for (const [path, status] of [
      ['/ping', 200],
      ['/nowhere', 404],
    ] as const) {
      expect(await httpsHeaders(port, path)).toMatchObject({
        status,
        'strict-transport-security': 'max-age=31536000',
        'x-content-type-options': 'nosniff',
      });
    }
  });

  it('server.hstsMaxAgeS sets its lifetime; 0 sends none', async () => {
    const short = await httpsHeaders(await listening({ hstsMaxAgeS: 600 }), '/ping');
    expect(short['strict-transport-security']).toBe('max-age=600');
    const none = await httpsHeaders(await listening({ hstsMaxAgeS: 0 }), '/ping');
    expect(none['strict-transport-security']).toBeUndefined();
    expect(none['x-content-type-options']).toBe('nosniff');
  });
});
