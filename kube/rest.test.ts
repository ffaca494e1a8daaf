// The REST client's wire format, against a local HTTP server that records what it receives.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeRest, type Verb } from './rest.ts';

type Seen = { method?: string; url?: string; headers: IncomingHttpHeaders; body: string };
const seen: Seen[] = [];
const server = createServer((req, res) => {
  let body = '';
  req.on('data', (c: Buffer) => {
    body += c.toString();
  });
  req.on('end', () => {
    seen.push({ method: req.method, url: req.url, headers: req.headers, body });
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
});
let rest: KubeRest;
const verbs: Verb[] = [];

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [
      {
        name: 'c',
        server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        skipTLSVerify: true,
      },
    ],
    users: [{ name: 'u', token: 't' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  rest = new KubeRest(kc, (verb) => verbs.push(verb));
});
afterAll(async () => {
  await rest.close();
  server.close();
});

describe('KubeRest', () => {
  // A delete of a custom resource (a cert-manager Certificate being pruned) failed with 415: the
  // DeleteOptions body went out without a content type, which only built-in kinds tolerate.
  it('labels a DELETE body as JSON', async () => {
    await rest.request('delete', '/apis/cert-manager.io/v1/namespaces/n/certificates/c', {
      body: { propagationPolicy: 'Background' },
    });
    const last = seen.at(-1);
    expect(last).toMatchObject({ method: 'DELETE', body: '{"propagationPolicy":"Background"}' });
    expect(last?.headers['content-type']).toBe('application/json');
  });

  it.each([
    ['apply', 'PATCH', 'application/apply-patch+yaml'],
    ['patch', 'PATCH', 'application/merge-patch+json'],
    ['create', 'POST', 'application/json'],
  ] as const)('sends %s as %s with %s, authenticated, and reports the verb', async (verb, method, type) => {
    await rest.request(verb, '/api/v1/namespaces/n/configmaps/x', { query: { fieldManager: 'm' }, body: {} });
    const last = seen.at(-1);
    expect(last).toMatchObject({ method, url: '/api/v1/namespaces/n/configmaps/x?fieldManager=m' });
    expect(last?.headers['content-type']).toBe(type);
    expect(last?.headers.authorization).toBe('Bearer t');
    expect(verbs.at(-1)).toBe(verb);
  });
});
