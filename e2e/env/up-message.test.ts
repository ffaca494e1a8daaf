// `make env-up` printed the kubeconfig path but not where the components' logs are, which the e2e
// README says it prints.
import { describe, expect, it } from 'vitest';
import { upMessage } from './up-message.ts';

describe('the env-up message', () => {
  const env = {
    timings: { etcd: 10 },
    kubeconfig: '/repo/.env-state/kubeconfig',
    natsUrl: 'nats://127.0.0.1:4222',
    dir: '/repo/.env-state',
  };

  it('names the kubeconfig to export and the log directory', () => {
    const lines = upMessage(env);
    expect(lines).toContain('export KUBECONFIG=/repo/.env-state/kubeconfig');
    expect(lines.some((l) => l.startsWith('logs: /repo/.env-state '))).toBe(true);
  });

  it('leaves NATS out when none runs', () => {
    expect(upMessage({ ...env, natsUrl: undefined }).some((l) => l.startsWith('NATS'))).toBe(false);
  });
});
