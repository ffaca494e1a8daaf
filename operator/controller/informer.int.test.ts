// The informer on the real apiserver: events arrive, a silent watch is restarted by the watchdog and keeps
// delivering, and the periodic relist runs (diffing, so it re-emits nothing unchanged).
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createNamespace } from '../../crds/testing/kube.ts';
import { resourceType } from '../../kube/kinds.ts';
import type { KubeObject } from '../../kube/object.ts';
import { KubeRest } from '../../kube/rest.ts';
import { silentLogger } from '../log.ts';
import { createMetrics } from '../metrics.ts';
import { waitFor } from '../testing/harness.ts';
import { Informer, type InformerEvent } from './informer.ts';

let kc: KubeConfig;
let rest: KubeRest;
let ns: string;

beforeAll(() => {
  kc = new KubeConfig();
  kc.loadFromFile(inject('kubeconfig'));
  rest = new KubeRest(kc);
  ns = createNamespace(inject('kubeconfig'), 'op-informer');
});
afterAll(() => rest.close());

const restarts = (m: ReturnType<typeof createMetrics>, reason: string) =>
  Object.values(
    (m.watchRestarts as unknown as { hashMap: Record<string, { value: number; labels: { reason: string } }> })
      .hashMap,
  )
    .filter((v) => v.labels.reason === reason)
    .reduce((s, v) => s + v.value, 0);

const configMap = (name: string) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: ns },
  data: { a: '1' },
});

describe('Informer', () => {
  it('restarts a silent watch (watchdog), relists periodically, and keeps delivering events', async () => {
    const metrics = createMetrics();
    const events: [InformerEvent, string][] = [];
    const informer = new Informer({
      kc,
      rest,
      type: resourceType('v1', 'ConfigMap'),
      namespace: ns,
      labelSelector: undefined,
      watchdogMs: 800,
      relistIntervalMs: 2500,
      reconnectMaxMs: 200,
      metrics,
      log: silentLogger,
      onEvent: (e, o: KubeObject) => events.push([e, o.metadata.name]),
    });
    await rest.request('create', `/api/v1/namespaces/${ns}/configmaps`, { body: configMap('before') });
    await informer.start();
    expect(informer.get(ns, 'before')?.kind).toBe('ConfigMap');
    await waitFor(async () => restarts(metrics, 'watchdog') >= 1, { what: 'a watchdog restart' });
    await rest.request('create', `/api/v1/namespaces/${ns}/configmaps`, { body: configMap('after') });
    await waitFor(async () => informer.get(ns, 'after'), { what: 'the event after the restart' });
    await waitFor(async () => restarts(metrics, 'relist') >= 1, {
      what: 'a periodic relist',
      timeoutMs: 10_000,
    });
    await informer.stop();
    // kube-root-ca.crt and our two: each ADDED exactly once despite restarts and relists.
    const added = events.filter(([e]) => e === 'ADDED').map(([, n]) => n);
    expect(added.filter((n) => n === 'before')).toHaveLength(1);
    expect(added.filter((n) => n === 'after')).toHaveLength(1);
  });
});
