// Kubeconfig files for the test control plane: one cluster, one user per token.
import { writeFileSync } from 'node:fs';
import { stringify } from 'yaml';

export interface KubeconfigSpec {
  readonly server: string;
  readonly caFile: string;
  readonly token: string;
  readonly user: string;
}

export function kubeconfigYaml(spec: KubeconfigSpec): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      { name: 'tracker-test', cluster: { server: spec.server, 'certificate-authority': spec.caFile } },
    ],
    users: [{ name: spec.user, user: { token: spec.token } }],
    contexts: [{ name: 'tracker-test', context: { cluster: 'tracker-test', user: spec.user } }],
    'current-context': 'tracker-test',
  });
}

export function writeKubeconfig(path: string, spec: KubeconfigSpec): string {
  writeFileSync(path, kubeconfigYaml(spec), { mode: 0o600 });
  return path;
}
