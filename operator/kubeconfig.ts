// The operator's cluster credentials, in kubectl's order: --kubeconfig, $KUBECONFIG, ~/.kube/config, then
// the pod's service account. Every way of not having them is one KubeConfigError line that says what to do.
import { accessSync, constants } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { inClusterAccess, type KubeAccess, kubeconfigAccess } from '../kube/access.ts';

/** No usable cluster credentials; the message says which sources were tried and how to provide one. */
export class KubeConfigError extends Error {
  override readonly name = 'KubeConfigError';
}

/** Where a pod's service account credentials are mounted. */
export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

function readable(file: string, what: string): void {
  try {
    accessSync(file, constants.R_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : 'not readable';
    throw new KubeConfigError(`${what} ${file}: ${code}`);
  }
}

function fromFiles(files: readonly string[], what: string): KubeAccess {
  for (const file of files) readable(file, what);
  try {
    return kubeconfigAccess(files);
  } catch (err) {
    // The first line names the problem (a YAML error goes on with a source excerpt).
    throw new KubeConfigError(`${what} ${files.join(delimiter)}: ${(err as Error).message.split('\n')[0]}`);
  }
}

/**
 * The operator's cluster credentials, in kubectl's order: --kubeconfig, $KUBECONFIG, ~/.kube/config, then
 * the pod's service account. With none it throws: a client falling back to http://localhost:8080 (as
 * client-node's loadFromDefault does) lets the operator report healthy while every request fails.
 * `env` is the process environment (KUBECONFIG, KUBERNETES_SERVICE_HOST and _PORT).
 */
export function loadKubeConfig(
  flag: string | undefined,
  env: NodeJS.ProcessEnv,
  /** `root`: a prefix for the service account path (tests mount one under a temporary directory). */
  opts: { home?: string; root?: string } = {},
): KubeAccess {
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
  try {
    return inClusterAccess(env, sa);
  } catch (err) {
    throw new KubeConfigError(`service account ${sa}: ${(err as Error).message.split('\n')[0]}`);
  }
}
