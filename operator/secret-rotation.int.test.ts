// Rotating a Secret whose values pods read only at start, on the real kube-apiserver: the ClickHouse
// password the spec names (passwordSecretRef, a user's Secret, watched by name but not cached) and the
// operator-made hash key. A new value changes the secret checksum on the pod templates that read it, and
// the rollouts start: ClickHouse's replica restart (an Event says so), then the ingest Deployment. Nothing
// else changes, and at rest the one GET of the user's Secret per reconcile writes nothing. Pods simulated
// by kwok, ClickHouse by test doubles.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubectlOk } from '../e2e/env/kubectl.ts';
import type { KubeObject } from '../kube/object.ts';
import { type Fixture, startFixture } from './testing/fixture.ts';
import {
  createTc,
  deployPath,
  list,
  quiesce,
  reconcileCount,
  reconcileOnce,
  stsPath,
  waitFor,
  waitForCondition,
} from './testing/harness.ts';

const name = 'rotate';
const secret = 'rotate-password';
// No periodic relist within the test: a rotation must be noticed through the watch of the Secret alone.
const noResync = { watch: { relistIntervalMs: 3_600_000 } };
const checksumKey = 'tracker.dev/secret-checksum';
const spec = {
  clickhouse: { shards: 1, replicas: 1, passwordSecretRef: { name: secret, key: 'password' } },
  keeper: { replicas: 1 },
  ingest: { replicas: 1 },
};

let f: Fixture;

/** What a user runs to rotate a Secret: `kubectl create secret … --dry-run -o yaml | kubectl apply -f -`. */
function applySecret(secretName: string, key: string, value: string): void {
  const yaml = kubectlOk(f.kubeconfig, [
    ...['-n', f.ns, 'create', 'secret', 'generic', secretName],
    ...[`--from-literal=${key}=${value}`, '--dry-run=client', '-o', 'yaml'],
  ]);
  kubectlOk(f.kubeconfig, ['-n', f.ns, 'apply', '-f', '-'], yaml);
}

beforeAll(async () => {
  f = await startFixture({
    prefix: 'op-rotate',
    name,
    hosts: { shards: 1, replicas: 1 },
    config: noResync,
  });
  applySecret(secret, 'password', 'first-password');
  await createTc(f.rest, f.ns, name, spec);
  await waitForCondition(f.rest, f.ns, name, 'Ready', 'True', { timeoutMs: 90_000 });
});

afterAll(async () => {
  await f?.stop();
});

type Workload = KubeObject & {
  spec: { template: { metadata: { annotations?: Record<string, string> } } };
};
const get = (path: string) => f.rest.request<Workload>('get', path);
const replica = () => get(stsPath(f.ns, f.names.replica(0, 0)));
const ingest = () => get(deployPath(f.ns, f.names.ingest));
const checksum = (w: Workload) => w.spec.template.metadata.annotations?.[checksumKey];
const restartEvents = async () =>
  (await list(f.rest, `/api/v1/namespaces/${f.ns}/events`)).filter(
    (e) => (e as { reason?: string }).reason === 'RestartingReplica',
  ).length;

describe('secret rotation', () => {
  it('at rest reads the user Secret once per reconcile and writes nothing', async () => {
    expect(checksum(await replica())).toMatch(/^[0-9a-f]{32}$/);
    expect(checksum(await ingest())).toMatch(/^[0-9a-f]{32}$/);
    await quiesce(f.op);
    const since = Date.now();
    const before = reconcileCount(f.op);
    await reconcileOnce(f.op);
    expect(f.op.proxy.writes(since)).toEqual([]);
    expect(reconcileCount(f.op) - before).toBe(1);
    const secretPath = `/api/v1/namespaces/${f.ns}/secrets/${secret}`;
    const reads = f.op.proxy.requests.filter((r) => r.at >= since && r.path === secretPath);
    expect(reads).toHaveLength(1);
  });

  it('a new ClickHouse password restarts the replica, then rolls the ingest', async () => {
    const [sts, deploy, restarts] = [await replica(), await ingest(), await restartEvents()];
    applySecret(secret, 'password', 'second-password');
    await waitFor(async () => checksum(await replica()) !== checksum(sts), {
      what: 'the ClickHouse pod template checksum to change',
      timeoutMs: 30_000,
    });
    const rolled = await replica();
    expect(rolled.metadata.generation).toBeGreaterThan(sts.metadata.generation ?? 0);
    await waitFor(async () => (await restartEvents()) > restarts, {
      what: 'a RestartingReplica Event for the replica',
    });
    await waitFor(async () => checksum(await ingest()) !== checksum(deploy), {
      what: 'the ingest pod template checksum to change (after ClickHouse rolled out)',
      timeoutMs: 60_000,
    });
    expect((await ingest()).metadata.generation).toBeGreaterThan(deploy.metadata.generation ?? 0);
    // The checksum gives the password away to no one who can read pod templates.
    expect(JSON.stringify(await replica())).not.toContain(Buffer.from('second-password').toString('base64'));
    expect(JSON.stringify(await replica())).not.toContain('second-password');
  });

  it('a new hash key rolls the ingest and leaves ClickHouse alone', async () => {
    await waitForCondition(f.rest, f.ns, name, 'Ready', 'True', { timeoutMs: 60_000 });
    const [sts, deploy] = [await replica(), await ingest()];
    applySecret(f.names.hashKey, 'hash-key', 'a-new-hash-key');
    await waitFor(async () => checksum(await ingest()) !== checksum(deploy), {
      what: 'the ingest pod template checksum to change',
      timeoutMs: 30_000,
    });
    expect((await replica()).metadata.generation).toBe(sts.metadata.generation);
    expect(checksum(await replica())).toBe(checksum(sts));
  });
});
