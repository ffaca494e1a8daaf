// The operator's cluster credentials, in kubectl's order: --kubeconfig, $KUBECONFIG, ~/.kube/config, then
// the pod's service account. Every way of not having them is one KubeConfigError line that says what to do.
import { accessSync, constants } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';

/** No usable cluster credentials; the message says which sources were tried and how to provide one. */
export class KubeConfigError extends Error {
  override readonly name = 'KubeConfigError';
}

/** Where a pod's service account credentials are mounted (client-node's in-cluster paths). */
export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

function readable(file: string, what: string): void {
  try {
    accessSync(file, constants.R_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : 'not readable';
    throw new KubeConfigError(`${what} ${file}: ${code}`);
  }
}

function fromFiles(files: readonly string[], what: string): KubeConfig {
  const kc = new KubeConfig();
  for (const [i, file] of files.entries()) {
    readable(file, what);
    const one = i === 0 ? kc : new KubeConfig();
    try {
      one.loadFromFile(file);
    } catch (err) {
      // The first line names the problem; YAML errors go on with a source excerpt.
      throw new KubeConfigError(`${what} ${file}: ${(err as Error).message.split('\n')[0]}`);
    }
    if (one !== kc) kc.mergeConfig(one);
  }
  return kc;
}

/**
 * The operator's cluster credentials, in kubectl's order: --kubeconfig, $KUBECONFIG, ~/.kube/config, then
 * the pod's service account. client-node's loadFromDefault would fall back to http://localhost:8080 when
 * there is none, and the operator would then report healthy while every request fails; this throws instead.
 * `env` is the process environment: for the service account, client-node reads KUBERNETES_SERVICE_HOST and
 * _PORT from process.env itself.
 */
export function loadKubeConfig(
  flag: string | undefined,
  env: NodeJS.ProcessEnv,
  /** `root`: a prefix for the service account path (tests mount one under a temporary directory). */
  opts: { home?: string; root?: string } = {},
): KubeConfig {
  if (flag !== undefined && flag !== '') return fromFiles([flag], '--kubeconfig');
  const listed = (env.KUBECONFIG ?? '').split(delimiter).filter(Boolean);
  if (listed.length > 0) return fromFiles(listed, 'KUBECONFIG');
  const home = join(opts.home ?? homedir(), '.kube', 'config');
  try {
    accessSync(home);
    return fromFiles([home], 'kubeconfig');
  } catch (err) {
    if (err instanceof KubeConfigError) throw err;
  }
  const root = opts.root ?? '';
  const sa = `${root}${SERVICE_ACCOUNT_DIR}`;
  if (env.KUBERNETES_SERVICE_HOST === undefined || env.KUBERNETES_SERVICE_HOST === '') {
    throw new KubeConfigError(
      'no cluster credentials: pass --kubeconfig FILE or set KUBECONFIG, or run in a pod with a service ' +
        'account token (KUBERNETES_SERVICE_HOST is not set)',
    );
  }
  for (const f of ['token', 'ca.crt']) {
    try {
      accessSync(join(sa, f), constants.R_OK);
    } catch {
      throw new KubeConfigError(
        `running in a pod without a service account token (${join(sa, f)} is missing): set ` +
          'automountServiceAccountToken: true on the pod or its ServiceAccount',
      );
    }
  }
  const kc = new KubeConfig();
  kc.loadFromCluster(root);
  return kc;
}
