import { describe, expect, it } from 'vitest';
import { ConfigError } from '../common/config/problems.ts';
import { parseConfig } from './config.ts';

describe('operator config', () => {
  it('defaults every section and freezes the result', () => {
    const config = parseConfig({});
    expect(config.leaderElection.enabled).toBe(true);
    expect(config.clickhouse.schemaMode).toBe('cluster');
    expect(config.clickhouse.endpoints).toEqual({});
    expect(Object.isFrozen(config.queue)).toBe(true);
    expect(config.monitoring.prometheus).toEqual({
      namespaceLabels: { 'kubernetes.io/metadata.name': 'monitoring' },
      podLabels: {},
    });
  });

  it('takes where Prometheus runs, and refuses what is not a label', () => {
    const prometheus = {
      namespaceLabels: { team: 'obs' },
      podLabels: { 'app.kubernetes.io/name': 'prometheus' },
    };
    expect(parseConfig({ monitoring: { prometheus } }).monitoring.prometheus).toEqual(prometheus);
    expect(() => parseConfig({ monitoring: { prometheus: { podLabels: { 'a b': 'c' } } } })).toThrow(
      /monitoring\.prometheus\.podLabels/,
    );
  });

  it('reports every problem at once, unknown keys included', () => {
    try {
      parseConfig({ bogus: 1, queue: { workers: 0 }, clickhouse: { endpoints: { h: 'ftp://x' } } });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).problems).toEqual([
        'bogus: unknown key',
        'queue.workers: must be >= 1',
        'clickhouse.endpoints.h: must match pattern "^https?://"',
      ]);
    }
  });

  it('reports a renew deadline not shorter than the lease with the schema’s problems', () => {
    expect(() =>
      parseConfig({ bogus: 1, leaderElection: { leaseDurationMs: 2000, renewDeadlineMs: 2000 } }),
    ).toThrow(
      'invalid operator configuration (object):\n  - bogus: unknown key\n  - leaderElection.renewDeadlineMs: must be less than leaseDurationMs',
    );
  });

  it('rejects a renew deadline not shorter than the lease', () => {
    expect(() => parseConfig({ leaderElection: { leaseDurationMs: 2000, renewDeadlineMs: 2000 } })).toThrow(
      'renewDeadlineMs',
    );
  });
});
