// Drift on the real kube-apiserver: someone else changes a field the operator applies (kubectl patch, scale,
// set env) and the operator takes it back; a field someone else owns (an annotation a user added, replicas
// under an HPA) stays as they set it; and the steady state still makes no write, although the spec uses
// quantities the apiserver normalises (`0.5` → `500m`, `1024Mi` → `1Gi`), because drift is read from
// field ownership (managedFields), never from values. Pods are simulated by kwok, ClickHouse by test doubles.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubectlOk } from '../e2e/env/kubectl.ts';
import type { KubeObject } from '../kube/object.ts';
import { fieldManager } from './reconcile/apply.ts';
import { type Fixture, startFixture } from './testing/fixture.ts';
import {
  createTc,
  deployPath,
  list,
  quiesce,
  reconcileOnce,
  stsPath,
  waitFor,
  waitForCondition,
} from './testing/harness.ts';

const name = 'drift';
// The revert must come within one resync; watch events usually bring it much sooner.
const resyncMs = 20_000;
const spec = {
  clickhouse: {
    shards: 1,
    replicas: 1,
    storage: { size: '1024Mi' },
    resources: { requests: { cpu: '0.5', memory: '1024Mi' }, limits: { memory: '2048Mi' } },
  },
  keeper: { replicas: 1 },
  ingest: { replicas: 1, resources: { requests: { cpu: '0.25', memory: '256Mi' } } },
};

let f: Fixture;

beforeAll(async () => {
  f = await startFixture({
    prefix: 'op-drift',
    name,
    hosts: { shards: 1, replicas: 1 },
    config: { watch: { relistIntervalMs: resyncMs } },
  });
  await createTc(f.rest, f.ns, name, spec);
  await waitForCondition(f.rest, f.ns, name, 'Ready', 'True', { timeoutMs: 90_000 });
});

afterAll(async () => {
  await f?.stop();
});

const kubectl = (...args: string[]) => kubectlOk(f.kubeconfig, ['-n', f.ns, ...args]);
const get = (path: string) => f.rest.request<KubeObject & { spec: Record<string, unknown> }>('get', path);
const ingestEnv = async () => {
  const d = await get(deployPath(f.ns, f.names.ingest));
  const pod = (d.spec.template as { spec: { containers: { env?: { name: string; value: string }[] }[] } })
    .spec;
  return pod.containers[0]?.env ?? [];
};
const revertEvents = async () =>
  (await list(f.rest, `/api/v1/namespaces/${f.ns}/events`))
    .filter((e) => (e as { reason?: string }).reason === 'DriftReverted')
    .map((e) => (e as { message?: string }).message ?? '');

describe('drift', () => {
  it('makes no write in the steady state although the apiserver normalised every quantity', async () => {
    await quiesce(f.op);
    const sts = await get(stsPath(f.ns, f.names.replica(0, 0)));
    const container = (sts.spec.template as { spec: { containers: { resources: unknown }[] } }).spec
      .containers[0];
    expect(container?.resources).toEqual({
      requests: { cpu: '500m', memory: '1Gi' },
      limits: { memory: '2Gi' },
    });
    const since = Date.now();
    await reconcileOnce(f.op);
    expect(f.op.proxy.writes(since)).toEqual([]);
  });

  it('reverts the Keeper StatefulSet replicas someone patched, and says who changed them', async () => {
    kubectl('patch', 'statefulset', f.names.keeper, '--type=merge', '-p', '{"spec":{"replicas":3}}');
    await waitFor(
      async () => {
        const sts = await get(stsPath(f.ns, f.names.keeper));
        return sts.spec.replicas === 1 && ownsReplicas(sts);
      },
      { what: 'Keeper replicas back to 1, owned by the operator again', timeoutMs: resyncMs },
    );
    // The Event is written right after the apply it reports.
    const reverted = /^Reverted StatefulSet drift-keeper: spec\.replicas \(changed by kubectl-patch\)/;
    await waitFor(async () => (await revertEvents()).some((m) => reverted.test(m)), {
      what: 'a DriftReverted Event naming spec.replicas and kubectl-patch',
    });
  });

  it('reverts an ingest environment variable someone set', async () => {
    const original = (await ingestEnv()).find((e) => e.name === 'TRACKER_CONFIG')?.value;
    expect(original).toBeDefined();
    kubectl('set', 'env', `deployment/${f.names.ingest}`, 'TRACKER_CONFIG=/tmp/elsewhere.json');
    await waitFor(
      async () => (await ingestEnv()).find((e) => e.name === 'TRACKER_CONFIG')?.value === original,
      { what: 'TRACKER_CONFIG back to its rendered value', timeoutMs: resyncMs },
    );
  });

  it('puts back a Service port someone replaced', async () => {
    const path = `/api/v1/namespaces/${f.ns}/services/${f.names.ingest}`;
    const rendered = ((await get(path)).spec.ports as { port: number; targetPort: unknown }[])[0];
    const patch = [{ op: 'replace', path: '/spec/ports/0/targetPort', value: 9999 }];
    kubectl('patch', 'service', f.names.ingest, '--type=json', '-p', JSON.stringify(patch));
    await waitFor(
      async () => {
        const ports = (await get(path)).spec.ports as { port: number; targetPort: unknown }[];
        return ports.some((p) => p.port === rendered?.port && p.targetPort === rendered?.targetPort);
      },
      { what: 'the rendered port and targetPort back on the ingest Service', timeoutMs: resyncMs },
    );
  });

  it('leaves a field someone else owns alone: a user annotation, replicas under an HPA', async () => {
    kubectl('annotate', `deployment/${f.names.ingest}`, 'team.example.com/owner=analytics');
    await kubectlPatchTc({
      spec: { ingest: { replicas: null, autoscaling: { minReplicas: 2, maxReplicas: 3 } } },
    });
    await waitFor(async () => (await get(deployPath(f.ns, f.names.ingest))).spec.replicas === 2, {
      what: 'the HPA to scale the ingest to 2',
    });
    await waitForCondition(f.rest, f.ns, name, 'Ready', 'True');
    await quiesce(f.op);
    const since = Date.now();
    await reconcileOnce(f.op);
    expect(f.op.proxy.writes(since)).toEqual([]);
    const d = await get(deployPath(f.ns, f.names.ingest));
    expect(d.metadata.annotations?.['team.example.com/owner']).toBe('analytics');
    expect(d.spec.replicas).toBe(2);
    expect(ownsReplicas(d)).toBe(false);
  });
});

function ownsReplicas(obj: KubeObject): boolean {
  return (obj.metadata.managedFields ?? []).some(
    (m) =>
      m.manager === fieldManager &&
      m.operation === 'Apply' &&
      JSON.stringify(m.fieldsV1).includes('"f:replicas"'),
  );
}

async function kubectlPatchTc(patch: unknown): Promise<void> {
  kubectl('patch', 'trackercluster', name, '--type=merge', '-p', JSON.stringify(patch));
}
