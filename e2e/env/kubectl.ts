// Run kubectl against a kubeconfig. Used by integration tests and documented workflows that pipe manifests
// into `kubectl apply`: kubectl sends YAML as written, while @kubernetes/client-node's typed serializer
// drops wire fields whose TypeScript names differ (NetworkPolicy `from`, JSONSchemaProps `default`/`enum`).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export type KubectlResult = { code: number; stdout: string; stderr: string };

/** kubectl on PATH, else the usual system location. */
export function kubectlPath(): string {
  return existsSync('/usr/bin/kubectl') ? '/usr/bin/kubectl' : 'kubectl';
}

export function kubectl(kubeconfig: string, args: readonly string[], input?: string): KubectlResult {
  const res = spawnSync(kubectlPath(), [`--kubeconfig=${kubeconfig}`, ...args], {
    input,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    timeout: 120_000,
  });
  if (res.error) throw res.error;
  return { code: res.status ?? 1, stdout: res.stdout, stderr: res.stderr };
}

/** Like kubectl() but throws with kubectl's stderr when it fails. */
export function kubectlOk(kubeconfig: string, args: readonly string[], input?: string): string {
  const res = kubectl(kubeconfig, args, input);
  if (res.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${res.stderr.trim()}`);
  return res.stdout;
}

/**
 * kubectl without blocking the event loop: for commands that wait (`kubectl wait`) on something an
 * in-process component (the operator under test) must keep doing meanwhile.
 */
export function kubectlAsync(kubeconfig: string, args: readonly string[]): Promise<KubectlResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(kubectlPath(), [`--kubeconfig=${kubeconfig}`, ...args], { timeout: 300_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    child.once('error', reject);
    child.once('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}
