import { defineConfig } from 'vitest/config';

// Projects: `unit` is pure and fast (no services); `integration` talks to the real services that
// e2e/env/global-setup.ts starts once per run (etcd + kube-apiserver + controller-manager, nats-server);
// `containers` runs the images built from the Dockerfiles on a Docker engine (e2e/containers/), with the
// same services; `kind` asserts on a kind cluster that e2e/kind/run.sh creates (it is run from there).
// Files that run an operator watching every namespace: it would reconcile the TrackerClusters other files
// create in their own namespaces (and overwrite statuses they set by hand), so these run alone, after them.
const clusterWide = ['charts/rbac.int.test.ts'];
// Listed first so that it is torn down last: every temporary file of a run under one directory, removed
// when the run ends (the kind suite runs from e2e/kind/run.sh, which cleans up after itself).
const TMPDIR = 'e2e/env/tmpdir-setup.ts';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['**/*.test.ts'],
          exclude: ['**/node_modules/**', '**/*.int.test.ts', '**/*.container.test.ts', '**/*.e2e.test.ts'],
          globalSetup: [TMPDIR],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['**/*.int.test.ts'],
          exclude: ['**/node_modules/**', ...clusterWide],
          globalSetup: [TMPDIR, 'e2e/env/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          // Two cores: integration files share one control plane; run them one file at a time per worker.
          maxWorkers: 2,
        },
      },
      {
        test: {
          name: 'integration-cluster-wide',
          include: clusterWide,
          globalSetup: [TMPDIR, 'e2e/env/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          maxWorkers: 1,
        },
      },
      {
        test: {
          name: 'containers',
          include: ['e2e/containers/**/*.container.test.ts'],
          globalSetup: [TMPDIR, 'e2e/env/global-setup.ts', 'e2e/containers/global-setup.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
          maxWorkers: 2,
        },
      },
      {
        test: {
          name: 'kind',
          include: ['e2e/kind/**/*.e2e.test.ts'],
          testTimeout: 900_000,
          hookTimeout: 900_000,
          // One cluster, one suite, steps in order.
          maxWorkers: 1,
        },
      },
    ],
  },
});
