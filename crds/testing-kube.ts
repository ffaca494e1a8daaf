// Integration-test helpers: install the generated CRD and make a namespace on the test apiserver.
import { randomBytes } from 'node:crypto';
import { kubectlOk } from '../common/k8s/kubectl.ts';
import { crdGeneratedPath } from './crd.ts';
import { crdName } from './trackercluster.ts';

/** Server-side apply of the committed CRD YAML (what users run), then wait until it is served. */
export function installCrd(kubeconfig: string): void {
  kubectlOk(kubeconfig, [
    'apply',
    '--server-side',
    '--force-conflicts',
    '--field-manager=tracker-tests',
    '-f',
    crdGeneratedPath,
  ]);
  kubectlOk(kubeconfig, ['wait', '--for=condition=Established', `crd/${crdName}`, '--timeout=60s']);
}

export function createNamespace(kubeconfig: string, prefix: string): string {
  const ns = `${prefix}-${randomBytes(3).toString('hex')}`;
  kubectlOk(kubeconfig, ['create', 'namespace', ns]);
  return ns;
}
