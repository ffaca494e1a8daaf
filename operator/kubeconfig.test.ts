// Where the operator finds cluster credentials, and that it refuses to start without any (a client falling
// back to http://localhost:8080 let the operator report healthy while every request failed).
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KubeConfigError, loadKubeConfig, SERVICE_ACCOUNT_DIR } from './kubeconfig.ts';

const kubeconfigYaml = (server: string) => `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "${server}"}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
`;

function scratch() {
  const dir = mkdtempSync(join(tmpdir(), 'kubeconfig-'));
  const home = join(dir, 'home');
  mkdirSync(home);
  return { dir, home };
}

function withServiceAccount(root: string, files: readonly string[]) {
  const sa = join(root, SERVICE_ACCOUNT_DIR);
  mkdirSync(sa, { recursive: true });
  for (const f of files) writeFileSync(join(sa, f), f === 'namespace' ? 'tracker-system' : f);
}

describe('loadKubeConfig', () => {
  it('reads --kubeconfig first', () => {
    const { dir, home } = scratch();
    writeFileSync(join(dir, 'kc'), kubeconfigYaml('https://flag:6443'));
    const kc = loadKubeConfig(join(dir, 'kc'), { KUBECONFIG: '/nonexistent' }, { home });
    expect(kc.server).toBe('https://flag:6443');
  });

  it('then $KUBECONFIG, then ~/.kube/config', () => {
    const { dir, home } = scratch();
    writeFileSync(join(dir, 'kc'), kubeconfigYaml('https://env:6443'));
    expect(loadKubeConfig(undefined, { KUBECONFIG: join(dir, 'kc') }, { home }).server).toBe(
      'https://env:6443',
    );
    mkdirSync(join(home, '.kube'));
    writeFileSync(join(home, '.kube', 'config'), kubeconfigYaml('https://home:6443'));
    expect(loadKubeConfig(undefined, {}, { home }).server).toBe('https://home:6443');
  });

  it("then the pod's service account", () => {
    const { dir, home } = scratch();
    withServiceAccount(dir, ['token', 'ca.crt', 'namespace']);
    const env = { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' };
    const kc = loadKubeConfig(undefined, env, { home, root: dir });
    expect(kc.server).toBe('https://10.96.0.1:443');
    expect(kc.tls.ca?.toString()).toBe('ca.crt');
    expect(kc.tls.rejectUnauthorized).toBe(true);
    expect(kc.authHeaders()).toEqual({ authorization: 'Bearer token' });
  });

  it.each([
    [
      'no credentials anywhere',
      undefined,
      {},
      [],
      /no cluster credentials: pass --kubeconfig FILE or set KUBECONFIG/,
    ],
    ['an unreadable --kubeconfig', '/nonexistent', {}, [], /^--kubeconfig \/nonexistent: no such file$/],
    [
      'an unreadable $KUBECONFIG',
      undefined,
      { KUBECONFIG: '/nope' },
      [],
      /^KUBECONFIG \/nope: no such file$/,
    ],
    [
      'a pod without a mounted token',
      undefined,
      { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' },
      ['namespace'],
      /without a service account token .*automountServiceAccountToken/,
    ],
  ])('refuses %s with one line saying what to do', (_what, flag, env, saFiles, message) => {
    const { dir, home } = scratch();
    if (saFiles.length > 0) withServiceAccount(dir, saFiles);
    let err: unknown;
    try {
      loadKubeConfig(flag, env as NodeJS.ProcessEnv, { home, root: dir });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(KubeConfigError);
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).not.toContain('\n');
  });
});

describe('loadKubeConfig refuses a kubeconfig it cannot use, in one line', () => {
  it.each([
    ['an exec plugin', 'users: [{name: u, user: {exec: {command: aws}}}]', /credential plugin \(exec\)/],
    ['no current-context', 'current-context: ""', /no current-context/],
    ['a YAML error', 'clusters: [', /^--kubeconfig .*: /],
  ])('%s', (_what, extra, message) => {
    const { dir, home } = scratch();
    const file = join(dir, 'kc');
    const yaml = kubeconfigYaml('https://x:6443');
    const key = extra.split(':')[0];
    writeFileSync(
      file,
      yaml.includes(`${key}:`) ? yaml.replace(new RegExp(`^${key}:.*$`, 'm'), extra) : extra,
    );
    let err: unknown;
    try {
      loadKubeConfig(file, {}, { home });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(KubeConfigError);
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).not.toContain('\n');
  });
});
