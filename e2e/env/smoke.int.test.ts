// Smoke tests: each component of the test environment is real and working.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ApiextensionsV1Api,
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  type V1Deployment,
} from '@kubernetes/client-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { Session } from 'chdb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { FAKE_NODE } from './environment.ts';
import { waitFor } from './wait.ts';

function kube(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(inject('kubeconfig'));
  return kc;
}

describe('kube-apiserver + etcd', () => {
  const kc = kube();
  const core = kc.makeApiClient(CoreV1Api);
  const ns = `smoke-${process.pid}`;

  it('creates a namespace and reads it back', async () => {
    await core.createNamespace({ body: { metadata: { name: ns, labels: { purpose: 'smoke' } } } });
    const got = await core.readNamespace({ name: ns });
    expect(got.metadata?.labels?.purpose).toBe('smoke');
    expect(got.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('serves a CustomResourceDefinition and its custom objects', async () => {
    const ext = kc.makeApiClient(ApiextensionsV1Api);
    const group = 'smoke.tracker.dev';
    await ext.createCustomResourceDefinition({
      body: {
        metadata: { name: `widgets.${group}` },
        spec: {
          group,
          scope: 'Namespaced',
          names: { plural: 'widgets', singular: 'widget', kind: 'Widget' },
          versions: [
            {
              name: 'v1',
              served: true,
              storage: true,
              schema: {
                openAPIV3Schema: {
                  type: 'object',
                  properties: {
                    spec: { type: 'object', properties: { size: { type: 'integer', minimum: 1 } } },
                  },
                },
              },
            },
          ],
        },
      },
    });
    await waitFor(
      async () => {
        const crd = await ext.readCustomResourceDefinition({ name: `widgets.${group}` });
        return crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True');
      },
      { what: 'the CRD to be Established' },
    );
    const objects = kc.makeApiClient(CustomObjectsApi);
    const target = { group, version: 'v1', namespace: ns, plural: 'widgets' };
    await objects.createNamespacedCustomObject({
      ...target,
      body: { apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name: 'w1' }, spec: { size: 3 } },
    });
    const w = (await objects.getNamespacedCustomObject({ ...target, name: 'w1' })) as {
      spec: { size: number };
    };
    expect(w.spec.size).toBe(3);
    // The schema is enforced by the real apiserver.
    await expect(
      objects.createNamespacedCustomObject({
        ...target,
        body: { apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name: 'w2' }, spec: { size: 0 } },
      }),
    ).rejects.toThrow(/spec.size/);
  });

  it('runs controllers: a Deployment gets a ReplicaSet and kwok runs its Pod on the fake node', async () => {
    const apps = kc.makeApiClient(AppsV1Api);
    const labels = { app: 'smoke' };
    const deployment: V1Deployment = {
      metadata: { name: 'smoke' },
      spec: {
        replicas: 1,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            containers: [{ name: 'c', image: 'example.invalid/smoke:1' }],
            tolerations: [{ key: 'kwok.x-k8s.io/node', operator: 'Exists', effect: 'NoSchedule' }],
          },
        },
      },
    };
    await apps.createNamespacedDeployment({ namespace: ns, body: deployment });
    const rs = await waitFor(async () => (await apps.listNamespacedReplicaSet({ namespace: ns })).items[0], {
      what: 'kube-controller-manager to create a ReplicaSet',
    });
    expect(rs.metadata?.ownerReferences?.[0]?.kind).toBe('Deployment');
    const pod = await waitFor(
      async () => {
        const pods = (await core.listNamespacedPod({ namespace: ns, labelSelector: 'app=smoke' })).items;
        return pods.find((p) => p.status?.phase === 'Running');
      },
      { what: 'the scheduler to bind and kwok to run the Pod', timeoutMs: 90_000 },
    );
    expect(pod.spec?.nodeName).toBe(FAKE_NODE);
    await waitFor(
      async () =>
        (await apps.readNamespacedDeployment({ name: 'smoke', namespace: ns })).status?.readyReplicas === 1,
      { what: 'the Deployment to report 1 ready replica' },
    );
  });

  it('garbage-collects dependents of a deleted owner', async () => {
    const apps = kc.makeApiClient(AppsV1Api);
    await apps.deleteNamespacedDeployment({
      name: 'smoke',
      namespace: ns,
      body: { propagationPolicy: 'Background' },
    });
    await waitFor(async () => (await apps.listNamespacedReplicaSet({ namespace: ns })).items.length === 0, {
      what: 'the garbage collector to delete the ReplicaSet',
    });
  });
});

describe('nats-server with JetStream', () => {
  it('publishes into a stream and consumes the message back', async () => {
    const nc = await connect({ servers: inject('natsUrl') });
    try {
      const jsm = await jetstreamManager(nc);
      const stream = `SMOKE_${process.pid}`;
      await jsm.streams.add({ name: stream, subjects: [`smoke.${process.pid}.>`] });
      const js = jetstream(nc);
      const ack = await js.publish(`smoke.${process.pid}.a`, JSON.stringify({ n: 42 }));
      expect(ack.stream).toBe(stream);
      await jsm.consumers.add(stream, { durable_name: 'reader', ack_policy: 'explicit' });
      const consumer = await js.consumers.get(stream, 'reader');
      const msg = await consumer.next({ expires: 5_000 });
      expect(msg?.json<{ n: number }>()).toEqual({ n: 42 });
      msg?.ack();
    } finally {
      await nc.close();
    }
  });
});

describe('chdb (embedded ClickHouse engine)', () => {
  let dir: string;
  let session: Session;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tracker-chdb-smoke-'));
    session = new Session(dir);
  });
  afterAll(() => {
    session.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates a MergeTree table, inserts and selects', async () => {
    await session.queryAsync('CREATE DATABASE IF NOT EXISTS smoke');
    await session.queryAsync('CREATE TABLE smoke.t (id UInt32, name String) ENGINE = MergeTree ORDER BY id');
    await session.queryAsync("INSERT INTO smoke.t VALUES (2, 'b'), (1, 'a'), (3, 'c')");
    const res = await session.queryAsync('SELECT id, name FROM smoke.t ORDER BY id', {
      format: 'JSONEachRow',
    });
    expect(
      res
        .text()
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)),
    ).toEqual([
      { id: 1, name: 'a' },
      { id: 2, name: 'b' },
      { id: 3, name: 'c' },
    ]);
    const engine = await session.queryAsync(
      "SELECT engine FROM system.tables WHERE database='smoke' AND name='t'",
    );
    expect(engine.text().trim()).toBe('"MergeTree"');
    const version = await session.queryAsync('SELECT version()');
    expect(version.text()).toMatch(/^"2[6-9]\./);
  });
});
