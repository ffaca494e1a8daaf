// TLS hot reload over a real HTTPS listener: certificates are generated at test time with the openssl
// CLI (never committed), the files are replaced, and a new connection sees the new certificate.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, renameSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeSelfSignedCert } from '../../e2e/support/tls-cert.ts';
import { buildApp } from '../app.ts';
import { createDataPathDouble } from '../testing/datapath-double.ts';
import { testDeps } from '../testing/deps.ts';
import { readTls, type TlsWatcher, watchTls } from './reload.ts';

const dir = mkdtempSync(join(tmpdir(), 'tls-'));
const files = { certFile: join(dir, 'tls.crt'), keyFile: join(dir, 'tls.key') };

function makeCert(cn: string): void {
  // written aside, then renamed into place, as a Secret volume update swaps whole files
  const aside = writeSelfSignedCert(mkdtempSync(join(dir, `${cn}-`)), cn);
  renameSync(aside.keyFile, files.keyFile);
  renameSync(aside.certFile, files.certFile);
}

function peerCn(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path: '/ping', rejectUnauthorized: false, agent: false },
      (res) => {
        const cert = (res.socket as import('node:tls').TLSSocket).getPeerCertificate();
        res.resume();
        resolve(String(cert.subject?.CN));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('TLS hot reload', () => {
  let app: FastifyInstance;
  let watcher: TlsWatcher;
  let port = 0;
  const reloadErrors: unknown[] = [];
  beforeAll(async () => {
    makeCert('first.test');
    app = await buildApp(await testDeps(createDataPathDouble(), {}, { https: readTls(files) }));
    const server = app.server as unknown as { setSecureContext(o: object): void };
    watcher = watchTls(
      files,
      (m) => server.setSecureContext(m),
      (err) => reloadErrors.push(err),
      200,
    );
    await app.listen({ host: '127.0.0.1', port: 0 });
    port = (app.server.address() as { port: number }).port;
  });
  afterAll(async () => {
    watcher.stop();
    await app.close();
  });

  it('serves HTTPS from the files and picks up replaced files without a restart', async () => {
    expect(await peerCn(port)).toBe('first.test');
    makeCert('second.test');
    await expect.poll(() => peerCn(port), { timeout: 5000, interval: 100 }).toBe('second.test');
  });

  it('keeps the old certificate when the new files do not form a pair', async () => {
    execFileSync('sh', ['-c', `echo broken > ${files.keyFile}`]);
    // The watcher has seen the broken pair once it reports it; until then the assertion below proves nothing.
    await expect.poll(() => reloadErrors.length, { timeout: 5000, interval: 50 }).toBeGreaterThan(0);
    expect(await peerCn(port)).toBe('second.test');
  });
});
