// The REST client's wire format, against a local HTTP server that records what it receives.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeAccess } from './access.ts';
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
    if (req.url?.endsWith('/conflicted')) {
      const status = { kind: 'Status', reason: 'Conflict', message: 'the object has been modified' };
      res.writeHead(409, { 'content-type': 'application/json' }).end(JSON.stringify(status));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(body === '' ? '' : body);
  });
});
let rest: KubeRest;
const verbs: Verb[] = [];

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const access: KubeAccess = {
    server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    tls: { rejectUnauthorized: false },
    authHeaders: () => ({ authorization: 'Bearer t' }),
  };
  rest = new KubeRest(access, (verb) => verbs.push(verb));
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

  it('answers the parsed body, and {} for an empty one', async () => {
    await expect(
      rest.request('create', '/api/v1/namespaces/n/configmaps', { body: { a: 1 } }),
    ).resolves.toEqual({ a: 1 });
    await expect(rest.request('get', '/api/v1/namespaces/n/configmaps/x')).resolves.toEqual({});
  });

  it('rejects a refusal with an ApiError carrying its status, reason and message', async () => {
    const refused = rest.request('patch', '/api/v1/namespaces/n/configmaps/conflicted', { body: {} });
    await expect(refused).rejects.toMatchObject({ name: 'ApiError', status: 409, reason: 'Conflict' });
    await expect(refused).rejects.toThrow(/409 the object has been modified/);
  });
});

describe('KubeRest.watch', () => {
  // A watch stream as the apiserver sends it: JSON lines, chunked anywhere (inside an object, two in one).
  const stream = createServer((req, res) => {
    if (req.url?.includes('resourceVersion=old')) {
      res
        .writeHead(410, { 'content-type': 'application/json' })
        .end('{"reason":"Expired","message":"too old"}');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    const lines =
      '{"type":"ADDED","object":{"metadata":{"name":"a"}}}\n{"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"7"}}}\n{"type":"DELETED","object":{"metadata":{"name":"a"}}}';
    res.write(lines.slice(0, 20));
    setImmediate(() => res.end(lines.slice(20)));
  });
  let watcher: KubeRest;
  beforeAll(async () => {
    await new Promise<void>((resolve) => stream.listen(0, '127.0.0.1', resolve));
    watcher = new KubeRest({
      server: `http://127.0.0.1:${(stream.address() as AddressInfo).port}`,
      tls: { rejectUnauthorized: false },
      authHeaders: () => ({}),
    });
  });
  afterAll(async () => {
    await watcher.close();
    stream.close();
  });

  it('hands over every line, however the stream is chunked, and resolves when the server ends it', async () => {
    const events: string[] = [];
    await watcher.watch<{ metadata: { name?: string } }>(
      '/api/v1/configmaps',
      { resourceVersion: '1' },
      (e) => events.push(`${e.type} ${e.object.metadata.name ?? ''}`.trim()),
      new AbortController().signal,
    );
    expect(events).toEqual(['ADDED a', 'BOOKMARK', 'DELETED a']);
  });

  it('rejects with the status when the apiserver refuses the watch (410: relist)', async () => {
    const watching = watcher.watch(
      '/api/v1/configmaps',
      { resourceVersion: 'old' },
      () => undefined,
      new AbortController().signal,
    );
    await expect(watching).rejects.toMatchObject({ name: 'ApiError', status: 410 });
  });
});
