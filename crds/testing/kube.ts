// Integration-test helpers: install the CRD (ours, or a stand-in of another project's) and make a namespace
// on the test apiserver.
import { randomBytes } from 'node:crypto';
import { kubectl, kubectlOk } from '../../e2e/env/kubectl.ts';
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
  waitEstablished(kubeconfig, `crd/${crdName}`);
}

/**
 * `kubectl wait --for=condition=Established`. A CRD created a moment ago (by this or another test file)
 * has no conditions yet, and kubectl wait reports that as an error instead of waiting: ask again then.
 */
function waitEstablished(kubeconfig: string, name: string): void {
  const args = ['wait', '--for=condition=Established', name, '--timeout=60s'];
  const deadline = Date.now() + 60_000;
  for (;;) {
    const res = kubectl(kubeconfig, args);
    if (res.code === 0) return;
    if (!res.stderr.includes('.status.conditions accessor error') || Date.now() > deadline)
      throw new Error(`kubectl ${args.join(' ')}: ${res.stderr.trim()}`);
  }
}

export function createNamespace(kubeconfig: string, prefix: string): string {
  const ns = `${prefix}-${randomBytes(3).toString('hex')}`;
  kubectlOk(kubeconfig, ['create', 'namespace', ns]);
  return ns;
}

/**
 * A schemaless CRD for a kind of another project (e.g. cert-manager's Certificate), served but with no
 * controller behind it: a TEST DOUBLE of that project's API, enough to create, list, watch and delete it.
 */
export function installStandInCrd(
  kubeconfig: string,
  k: { group: string; version: string; kind: string; plural: string },
): void {
  const crd = {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${k.plural}.${k.group}` },
    spec: {
      group: k.group,
      scope: 'Namespaced',
      names: { kind: k.kind, plural: k.plural, singular: k.kind.toLowerCase(), listKind: `${k.kind}List` },
      versions: [
        {
          name: k.version,
          served: true,
          storage: true,
          schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
        },
      ],
    },
  };
  const args = ['apply', '--server-side', '--force-conflicts', '--field-manager=tracker-tests', '-f', '-'];
  kubectlOk(kubeconfig, args, JSON.stringify(crd));
  waitEstablished(kubeconfig, `crd/${k.plural}.${k.group}`);
}
