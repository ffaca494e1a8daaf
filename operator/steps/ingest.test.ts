import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../kube/object.ts';
import { ingestMessage } from './ingest.ts';
import { workloadStatus } from './objects.ts';

const deployment = (generation: number, status: Record<string, number>) =>
  workloadStatus({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'demo-ingest', generation },
    spec: { replicas: 2 },
    status,
  } as KubeObject);

describe('IngestReady message', () => {
  // Regression: during a rollout it said "2/2 ingest pods ready and up to date" of pods running the
  // previous spec, next to the reason RolloutInProgress.
  it('says how many pods run the current spec while a rollout waits', () => {
    const notSeen = deployment(3, {
      observedGeneration: 2,
      readyReplicas: 2,
      updatedReplicas: 2,
      replicas: 2,
    });
    expect(ingestMessage(notSeen, 2)).toBe('2/2 ingest pods ready, 0/2 up to date');
    const halfway = deployment(3, {
      observedGeneration: 3,
      readyReplicas: 2,
      updatedReplicas: 1,
      replicas: 3,
    });
    expect(ingestMessage(halfway, 2)).toBe('2/2 ingest pods ready, 1/2 up to date');
  });

  it('says ready and up to date once rolled out', () => {
    const done = deployment(3, { observedGeneration: 3, readyReplicas: 2, updatedReplicas: 2, replicas: 2 });
    expect(ingestMessage(done, 2)).toBe('2/2 ingest pods ready and up to date');
  });

  // Regression: "0/0 ingest pods ready" before the cache held the Deployment just created.
  it('counts the desired pods before the Deployment is seen', () => {
    expect(ingestMessage(undefined, 3)).toBe('0/3 ingest pods ready, 0/3 up to date');
  });
});
