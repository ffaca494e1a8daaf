// The Secrets a TrackerCluster names but the operator did not make: their watch events enqueue the clusters
// that name them (found through the index the TrackerCluster events keep), nobody else, and their values
// are never kept. TEST DOUBLE: an apiserver client whose lists answer what the test sets per collection
// and label selector, and whose watch streams the test feeds event by event.
import { describe, expect, it } from 'vitest';
import { cluster } from '../../cdk8s/testing/cluster.ts';
import type { KubeObject } from '../../kube/object.ts';
import { type KubeRest, metadataOnlyAccept } from '../../kube/rest.ts';
import { parseConfig } from '../config.ts';
import { silentLogger } from '../log.ts';
import { createMetrics } from '../metrics.ts';
import { waitFor } from '../testing/harness.ts';
import { Informers, managedBySelector, notManagedBySelector } from './informers.ts';

type Event = { type: string; object: KubeObject };
type Query = { labelSelector?: string };

function fakeApiserver(lists: Record<string, KubeObject[]>) {
  const streams = new Map<string, (e: Event) => void>();
  /** The Accept header of each list and watch, by collection and selector. */
  const accepts = new Map<string, string | undefined>();
  const at = (path: string, q: Query) => `${path}?${q.labelSelector ?? ''}`;
  const rest = {
    request: async (_verb: string, path: string, o: { query: Query; accept?: string }) => {
      accepts.set(`list ${at(path, o.query)}`, o.accept);
      return { metadata: { resourceVersion: '1' }, items: lists[at(path, o.query)] ?? [] };
    },
    watch: (path: string, q: Query, onEvent: (e: Event) => void, signal: AbortSignal, accept?: string) =>
      new Promise<void>((resolve) => {
        accepts.set(`watch ${at(path, q)}`, accept);
        streams.set(at(path, q), onEvent);
        signal.addEventListener('abort', () => resolve());
      }),
  } as unknown as KubeRest;
  return { rest, streams, at, accepts };
}

const secret = (name: string, ns: string, rv: string): KubeObject =>
  ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: ns, resourceVersion: rv },
    data: { password: Buffer.from('hunter2').toString('base64') },
  }) as KubeObject;

const named = (name: string, ns: string, password: string) =>
  ({
    ...cluster({ clickhouse: { passwordSecretRef: { name: password } } }, { name, namespace: ns }),
    metadata: { name, namespace: ns, uid: name, resourceVersion: '1' },
  }) as unknown as KubeObject;

describe('Informers: the Secrets a spec names', () => {
  it('a change to one enqueues the clusters naming it, and its value is not kept', async () => {
    const clustersPath = '/apis/tracker.dev/v1alpha1/trackerclusters';
    const secretsPath = '/api/v1/secrets';
    const { rest, streams, at, accepts } = fakeApiserver({
      [`${clustersPath}?`]: [named('a', 'ns', 'pw'), named('b', 'ns', 'pw'), named('c', 'other', 'pw')],
      [`${secretsPath}?${notManagedBySelector}`]: [secret('pw', 'ns', '5')],
    });
    const events: string[] = [];
    const seen: KubeObject[] = [];
    const informers = new Informers({
      rest,
      config: parseConfig({}),
      log: silentLogger,
      metrics: createMetrics(),
      onEvent: (key, obj) => {
        events.push(`${obj.kind}:${key}`);
        seen.push(obj);
      },
    });
    await informers.start();
    const feed = await waitFor(
      async () => streams.get(at(secretsPath, { labelSelector: notManagedBySelector })),
      {
        what: 'the watch of the Secrets the operator did not make',
        timeoutMs: 5_000,
      },
    );
    events.length = 0;

    feed({ type: 'MODIFIED', object: secret('pw', 'ns', '6') });
    feed({ type: 'MODIFIED', object: secret('unnamed', 'ns', '7') });
    expect(events.sort()).toEqual(['Secret:ns/a', 'Secret:ns/b']);

    // A cluster that stops naming the Secret is no longer told about it.
    const clusterFeed = streams.get(at(clustersPath, {}));
    clusterFeed?.({ type: 'MODIFIED', object: named('b', 'ns', 'another') });
    events.length = 0;
    feed({ type: 'MODIFIED', object: secret('pw', 'ns', '8') });
    expect(events).toEqual(['Secret:ns/a']);

    await informers.stop();
    const secrets = seen.filter((o) => o.kind === 'Secret');
    expect(secrets.length).toBeGreaterThan(0);
    for (const s of secrets) expect(s).not.toHaveProperty('data');
    // The apiserver is asked for metadata only; the operator's own Secrets stay whole objects.
    const userSecrets = at(secretsPath, { labelSelector: notManagedBySelector });
    expect(accepts.get(`list ${userSecrets}`)).toBe(metadataOnlyAccept.list);
    expect(accepts.get(`watch ${userSecrets}`)).toBe(metadataOnlyAccept.watch);
    expect(accepts.get(`list ${at(secretsPath, { labelSelector: managedBySelector })}`)).toBeUndefined();
  });
});
