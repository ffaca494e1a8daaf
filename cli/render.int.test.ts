// The documented GitOps path: `tracker render -f examples/<x>.yaml | kubectl apply --dry-run=server -f -`
// against the real kube-apiserver, exactly as a user types it.
import { spawnSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { createNamespace } from '../crds/testing/kube.ts';
import { kubectlPath } from '../e2e/env/kubectl.ts';

const kubeconfig = inject('kubeconfig');
let namespace = '';

beforeAll(() => {
  namespace = createNamespace(kubeconfig, 'cli-it');
});

function sh(script: string) {
  const node = process.execPath;
  const file = join(tmpdir(), `tracker-cli-it-${process.pid}.sh`);
  writeFileSync(
    file,
    `set -euo pipefail\nexport PATH="${join(node, '..')}:$PATH" KUBECONFIG="${kubeconfig}"\n${script}\n`,
  );
  const res = spawnSync('bash', [file], { encoding: 'utf8', timeout: 120_000 });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}

describe('tracker render | kubectl apply --dry-run=server -f -', () => {
  // every file in examples/: a new one is held to the documented path as soon as it is added
  const examples = readdirSync('examples')
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.replace(/\.yaml$/, ''));
  it.each(examples)('examples/%s.yaml', (file) => {
    const res = sh(
      `node bin/tracker.ts render -f examples/${file}.yaml -n ${namespace} | ${kubectlPath()} apply --dry-run=server -f -`,
    );
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const lines = res.stdout.trim().split('\n');
    expect(lines.length).toBeGreaterThan(15);
    for (const line of lines) expect(line).toMatch(/ (created|configured|unchanged) \(server dry run\)$/);
  });

  it('tracker render --with-schema-job: the apiserver takes the Job too', () => {
    const res = sh(
      `node bin/tracker.ts render -f examples/minimal.yaml --with-schema-job -n ${namespace} | ${kubectlPath()} apply --dry-run=server -f -`,
    );
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^job\.batch\/minimal-schema-[0-9a-f]{10} created \(server dry run\)$/m);
  });

  it('tracker crd | kubectl apply --server-side --dry-run=server -f -', () => {
    // --force-conflicts: other test files install the same CRD with their own field manager.
    const res = sh(
      `node bin/tracker.ts crd | ${kubectlPath()} apply --server-side --force-conflicts --dry-run=server -f -`,
    );
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('trackerclusters.tracker.dev serverside-applied (server dry run)');
  });

  it('an invalid cluster fails before kubectl sees anything', () => {
    const res = sh(
      `printf 'apiVersion: tracker.dev/v1alpha1\\nkind: TrackerCluster\\nmetadata: {name: x}\\nspec: {keeper: {replicas: 2}}\\n' | node bin/tracker.ts render -f - | ${kubectlPath()} apply --dry-run=server -f -`,
    );
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain('keeper.replicas must be 1, 3 or 5');
  });
});
