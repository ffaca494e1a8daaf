import { defineConfig } from 'vitest/config';

// Two projects: `unit` is pure and fast (no services); `integration` talks to the real services that
// e2e/env/global-setup.ts starts once per run (etcd + kube-apiserver + controller-manager, nats-server).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['**/*.test.ts'],
          exclude: ['**/node_modules/**', '**/*.int.test.ts'],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['**/*.int.test.ts'],
          exclude: ['**/node_modules/**'],
          globalSetup: ['e2e/env/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          // Two cores: integration files share one control plane; run them one file at a time per worker.
          maxWorkers: 2,
        },
      },
    ],
  },
});
