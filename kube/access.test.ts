// What a kubeconfig or a service account resolves to: the server, TLS material, and the headers that
// authenticate each request (a rotated token file is picked up).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { inClusterAccess, KubeAccessError, kubeconfigAccess, tokenFile } from './access.ts';

const dir = () => mkdtempSync(join(tmpdir(), 'kube-access-'));

describe('kubeconfigAccess', () => {
  it('resolves relative certificate paths against the file and reads inline data', () => {
    const d = dir();
    writeFileSync(join(d, 'ca.pem'), 'CA');
    writeFileSync(join(d, 'cert.pem'), 'CERT');
    const file = join(d, 'kc');
    writeFileSync(
      file,
      `clusters: [{name: c, cluster: {server: "https://a:6443/", certificate-authority: ca.pem, tls-server-name: api}}]
users: [{name: u, user: {client-certificate: cert.pem, client-key-data: ${Buffer.from('KEY').toString('base64')}}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
`,
    );
    const a = kubeconfigAccess([file]);
    expect(a.server).toBe('https://a:6443');
    expect([a.tls.ca, a.tls.cert, a.tls.key].map(String)).toEqual(['CA', 'CERT', 'KEY']);
    expect(a.tls).toMatchObject({ rejectUnauthorized: true, servername: 'api' });
    expect(a.authHeaders()).toEqual({});
  });

  it('merges several files as kubectl does: the first to set a value or define a name wins', () => {
    const d = dir();
    writeFileSync(
      join(d, 'one'),
      'clusters: [{name: c, cluster: {server: "https://one", insecure-skip-tls-verify: true}}]\ncurrent-context: x\n',
    );
    writeFileSync(
      join(d, 'two'),
      `clusters: [{name: c, cluster: {server: "https://two"}}]
users: [{name: u, user: {username: admin, password: pw, as: someone}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: y
`,
    );
    const a = kubeconfigAccess([join(d, 'one'), join(d, 'two')]);
    expect(a.server).toBe('https://one');
    expect(a.tls.rejectUnauthorized).toBe(false);
    expect(a.authHeaders()).toEqual({
      authorization: `Basic ${Buffer.from('admin:pw').toString('base64')}`,
      'impersonate-user': 'someone',
    });
  });

  it('refuses an auth-provider and a proxy by name', () => {
    const d = dir();
    const base =
      'clusters: [{name: c, cluster: {server: "https://a"%s}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n';
    writeFileSync(
      join(d, 'ap'),
      `${base.replace('%s', '')}users: [{name: u, user: {auth-provider: {name: oidc}}}]\n`,
    );
    writeFileSync(join(d, 'proxy'), base.replace('%s', ', proxy-url: "http://p:3128"'));
    expect(() => kubeconfigAccess([join(d, 'ap')])).toThrow(/credential plugin \(auth-provider\)/);
    expect(() => kubeconfigAccess([join(d, 'proxy')])).toThrow(KubeAccessError);
  });
});

describe('service account credentials', () => {
  it('read the token file again once it is older than a minute (bound tokens rotate)', () => {
    const d = dir();
    writeFileSync(join(d, 'token'), 'first\n');
    let now = 0;
    const token = tokenFile(join(d, 'token'), () => now);
    expect(token()).toBe('first');
    writeFileSync(join(d, 'token'), 'second');
    now = 59_000;
    expect(token()).toBe('first');
    now = 61_000;
    expect(token()).toBe('second');
  });

  it('address an IPv6 service host in brackets and trust the mounted CA', () => {
    const d = dir();
    writeFileSync(join(d, 'token'), 't');
    writeFileSync(join(d, 'ca.crt'), 'CA');
    const a = inClusterAccess({ KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '443' }, d);
    expect(a.server).toBe('https://[fd00::1]:443');
    expect(String(a.tls.ca)).toBe('CA');
    expect(a.authHeaders()).toEqual({ authorization: 'Bearer t' });
  });
});
