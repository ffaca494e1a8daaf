// The elector against a TEST DOUBLE of the apiserver's Lease endpoint: what a standby tells its log.
import { describe, expect, it } from 'vitest';
import type { KubeRest } from '../../kube/rest.ts';
import { createLogger } from '../log.ts';
import { createMetrics } from '../metrics.ts';
import { LeaderElector } from './leader.ts';

function standby(holders: string[]) {
  const lines: Record<string, unknown>[] = [];
  let reads = 0;
  const rest = {
    // Each read shows the next holder renewing its lease just now: never expired, never ours.
    getOrUndefined: async () => {
      const holder = holders[Math.min(reads++, holders.length - 1)];
      return { metadata: { name: 'l' }, spec: { holderIdentity: holder, renewTime: String(reads) } };
    },
    request: async () => {
      throw new Error('a standby writes nothing');
    },
  } as unknown as KubeRest;
  const elector = new LeaderElector({
    rest,
    namespace: 'ops',
    name: 'l',
    identity: 'me',
    leaseDurationMs: 60_000,
    renewDeadlineMs: 40_000,
    retryPeriodMs: 1,
    log: createLogger('info', {}, (l) => lines.push(JSON.parse(l) as Record<string, unknown>)),
    metrics: createMetrics(),
    onStartedLeading: () => undefined,
    onStoppedLeading: () => undefined,
  });
  return { elector, lines, reads: () => reads };
}

describe('a standby', () => {
  // Regression: a replica that did not lead logged nothing after "Operator listening", so neither
  // replica's log said which one reconciled.
  it('says whom it waits for, once per holder', async () => {
    const { elector, lines, reads } = standby(['a', 'a', 'a', 'b', 'b']);
    elector.start();
    await expect.poll(reads).toBeGreaterThan(6);
    await elector.stop();
    expect(lines.map((l) => [l.msg, l.holder, l.lease])).toEqual([
      ['Waiting for the lease', 'a', 'ops/l'],
      ['Waiting for the lease', 'b', 'ops/l'],
    ]);
    expect(elector.isLeader).toBe(false);
  });
});
