// What a user sees with kubectl, on the real control plane (pods simulated by kwok, ClickHouse by a test
// double): the README's `kubectl apply` of examples/minimal.yaml and `kubectl wait --for=condition=Ready`,
// the printer columns of `kubectl get`, and `kubectl describe` Events that say what the operator waited for
// at each gate, with no Event from a reconcile that changes nothing; and what a delete leaves (the volumes).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubectlAsync, kubectlOk } from '../e2e/env/kubectl.ts';
import { latestSchemaVersion } from './clickhouse.ts';
import { type Fixture, startFixture } from './testing/fixture.ts';
import { list, quiesce, reconcileOnce, waitFor } from './testing/harness.ts';

const name = 'minimal';
let f: Fixture;

beforeAll(async () => {
  f = await startFixture({ prefix: 'op-kubectl', name, hosts: { shards: 1, replicas: 1 } });
});

afterAll(async () => {
  await f?.stop();
});

const run = (...args: string[]) => kubectlOk(f.kubeconfig, ['-n', f.ns, ...args]);
const events = async () =>
  (await list(f.rest, `/api/v1/namespaces/${f.ns}/events`)) as { reason?: string; message?: string }[];

describe('kubectl', () => {
  it('applies examples/minimal.yaml and waits for it with kubectl wait --for=condition=Ready', async () => {
    expect(run('apply', '-f', 'examples/minimal.yaml')).toContain(
      `trackercluster.tracker.dev/${name} created`,
    );
    const wait = await kubectlAsync(f.kubeconfig, [
      'wait',
      `trackercluster/${name}`,
      '-n',
      f.ns,
      '--for=condition=Ready',
      '--timeout=120s',
    ]);
    expect(wait.stderr).toBe('');
    expect(wait.code).toBe(0);
    expect(wait.stdout).toContain(`trackercluster.tracker.dev/${name} condition met`);
  });

  it('kubectl get shows whether it works: ready, reason, topology, ingest, schema version', () => {
    const table = run('get', 'trackerclusters').trim().split('\n');
    expect(table[0]?.split(/\s+/)).toEqual([
      'NAME',
      'READY',
      'REASON',
      'CLICKHOUSE',
      'INGEST',
      'SCHEMA',
      'AGE',
    ]);
    expect(table[1]?.split(/\s+/).slice(0, 7)).toEqual([
      name,
      'True',
      'Available',
      '1x1',
      '1/1',
      '1/1',
      String(latestSchemaVersion()),
    ]);
    const wide = run('get', 'tc', '-o', 'wide').trim().split('\n');
    expect(wide[0]).toMatch(/KEEPER\s+MESSAGE$/);
    expect(wide[1]).toContain('All components are ready');
  });

  it('kubectl describe lists what the operator waited for at each gate', async () => {
    // The gates every new cluster waits at (its pods need bound volumes first, so neither the Keeper
    // quorum nor the ClickHouse hosts can be there in the reconcile that created them), then Ready. The
    // ingest Deployment has no volume: whether a reconcile sees it rolling out depends on timing.
    const gates = [
      ['QuorumPending', 'KeeperReady=False: 0/1 Keeper members ready (quorum 1)'],
      ['QuorumPending', 'Ready=False: KeeperReady: 0/1 Keeper members ready (quorum 1)'],
      ['ReplicasNotReady', 'ClickHouseReady=False: 0/1 ClickHouse hosts ready'],
      ['Available', 'Ready=True: All components are ready'],
    ] as const;
    // An Event is written right after the status it reports, so the last one may trail `kubectl wait`.
    await waitFor(
      async () => {
        const seen = (await events()).map((e) => `${e.reason} ${e.message}`);
        return gates.every(([reason, message]) => seen.some((s) => s.startsWith(`${reason} ${message}`)));
      },
      { what: 'an Event for every gate' },
    );
    const described = run('describe', 'trackercluster', name);
    const section = described.slice(described.indexOf('Events:'));
    for (const [reason, message] of gates)
      expect(section).toMatch(new RegExp(`${reason}\\s.*${escapeRegExp(message)}`));
  });

  it('writes no Event when a reconcile changes nothing', async () => {
    await quiesce(f.op);
    const before = (await events()).length;
    await reconcileOnce(f.op);
    await reconcileOnce(f.op);
    expect(await events()).toHaveLength(before);
  });

  // What the README says deleting a TrackerCluster leaves: the data volumes, found by its instance label.
  it('kubectl delete leaves the data volumes, which the README label selector finds', async () => {
    run('delete', 'trackercluster', name, '--wait=true');
    await waitFor(
      async () => (await list(f.rest, `/apis/apps/v1/namespaces/${f.ns}/statefulsets`)).length === 0,
      {
        what: 'the garbage collector to delete the StatefulSets',
        timeoutMs: 60_000,
      },
    );
    const claims = run('get', 'pvc', '-o', 'name').trim().split('\n').sort();
    expect(claims).toEqual([
      `persistentvolumeclaim/data-${name}-ch-0-0-0`,
      `persistentvolumeclaim/data-${name}-keeper-0`,
    ]);
    const selected = run('get', 'pvc', '-l', `app.kubernetes.io/instance=${name}`, '-o', 'name');
    expect(selected.trim().split('\n').sort()).toEqual(claims);
  });
});

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
