// Integration-test helpers: install the CRD and make a namespace on the test apiserver.
import { randomBytes } from 'node:crypto';
import { kubectlOk } from '../../e2e/env/kubectl.ts';
import { trackerClusterCrdYaml } from '../crd.ts';
import { crdName } from '../trackercluster.ts';

/**
 * Server-side apply of a fresh generation of the CRD, then wait until it is served. Fresh, not the committed
 * file: these tests check the source of truth against the apiserver; crd.test.ts and `generate.ts --check`
 * check that the committed file is current.
 */
export function installCrd(kubeconfig: string): void {
  const args = ['apply', '--server-side', '--force-conflicts', '--field-manager=tracker-tests', '-f', '-'];
  kubectlOk(kubeconfig, args, trackerClusterCrdYaml());
  kubectlOk(kubeconfig, ['wait', '--for=condition=Established', `crd/${crdName}`, '--timeout=60s']);
}

export function createNamespace(kubeconfig: string, prefix: string): string {
  const ns = `${prefix}-${randomBytes(3).toString('hex')}`;
  kubectlOk(kubeconfig, ['create', 'namespace', ns]);
  return ns;
}
