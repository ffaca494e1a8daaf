// The apiserver restarts under a running operator (private environment: the shared one must not restart).
// Watches end with errors, the informers resume from their resourceVersion (or relist), and spec edits and
// deleted children made AFTER the restart are reconciled promptly: the relist interval is set far beyond the
// test's timeouts, so only recovered watches can explain convergence. Pods simulated by kwok + scheduler.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { namesOf } from '../cdk8s/names.ts';
import { cluster } from '../cdk8s/testing/cluster.ts';
import { createNamespace, installCrd } from '../crds/testing/kube.ts';
import { type Environment, startEnvironment } from '../e2e/env/environment.ts';
import { kubeconfigAccess } from '../kube/access.ts';
import type { KubeRest } from '../kube/rest.ts';
import { type Operator, startOperator } from './operator.ts';
import { startDoubles } from './testing/clickhouse-doubles.ts';
import {
  createTc,
  deployPath,
  patchTc,
  restFor,
  testConfig,
  waitFor,
  waitForCondition,
} from './testing/harness.ts';
import { startVolumeBinder, type VolumeBinder } from './testing/volume-binder.ts';

const name = 'restart';
const spec = { clickhouse: { shards: 1, replicas: 1 }, keeper: { replicas: 1 }, ingest: { replicas: 1 } };

let env: Environment;
let rest: KubeRest;
let ns: string;
let binder: VolumeBinder;
let doubles: Awaited<ReturnType<typeof startDoubles>>;
let operator: Operator;

beforeAll(async () => {
  env = await startEnvironment({ nats: false });
  installCrd(env.kubeconfig);
  rest = restFor(env.kubeconfig);
  ns = createNamespace(env.kubeconfig, 'op-restart');
  binder = startVolumeBinder(rest, ns);
  doubles = await startDoubles([namesOf(cluster(spec, { name, namespace: ns })).replicaHost(0, 0)]);
  const config = testConfig({
    namespace: ns,
    watch: { watchdogMs: 10_000, relistIntervalMs: 3_600_000, reconnectMaxMs: 500 },
    clickhouse: { endpoints: doubles.endpoints },
  });
  operator = await startOperator({ config, access: kubeconfigAccess([env.kubeconfig]) });
});

afterAll(async () => {
  await operator?.stop();
  await binder?.stop();
  await doubles?.stop();
  await rest?.close();
  await env?.stop();
});

const configHash = async () =>
  (
    await rest.request<{ spec: { template: { metadata: { annotations: Record<string, string> } } } }>(
      'get',
      deployPath(ns, `${name}-ingest`),
    )
  ).spec.template.metadata.annotations['tracker.dev/config-hash'];

function watchRestarts(): number {
  const metric = operator.metrics.watchRestarts as unknown as { hashMap: Record<string, { value: number }> };
  return Object.values(metric.hashMap).reduce((sum, v) => sum + v.value, 0);
}

describe('apiserver restart', () => {
  it('recovers its watches and converges after the apiserver restarts', async () => {
    await createTc(rest, ns, name, spec);
    await waitForCondition(rest, ns, name, 'Ready', 'True', { timeoutMs: 60_000 });
    const restartsBefore = watchRestarts();
    await env.api.restart();
    await waitFor(async () => watchRestarts() > restartsBefore, {
      what: 'the watches to notice the restart',
    });

    const before = await configHash();
    await waitFor(
      async () => {
        await patchTc(rest, ns, name, {
          spec: { ingest: { config: { batching: { maxConcurrentFlushes: 5 } } } },
        });
        return true;
      },
      { what: 'the apiserver to accept writes again', timeoutMs: 30_000 },
    );
    await waitFor(async () => (await configHash()) !== before, {
      what: 'the edit made after the restart',
      timeoutMs: 30_000,
    });

    const svc = `/api/v1/namespaces/${ns}/services/${name}-ingest`;
    const uid = (await rest.request<{ metadata: { uid: string } }>('get', svc)).metadata.uid;
    await rest.request('delete', svc);
    await waitFor(
      async () => {
        const now = await rest.getOrUndefined<{ metadata: { uid: string } }>(svc);
        return now !== undefined && now.metadata.uid !== uid;
      },
      {
        what: 'the deleted Service to be recreated through the recovered owned-object watch',
        timeoutMs: 30_000,
      },
    );
    await waitForCondition(rest, ns, name, 'Ready', 'True', { timeoutMs: 60_000 });
    expect(operator.controller()?.synced).toBe(true);
  });
});
