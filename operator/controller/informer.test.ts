// The informer's owner index follows its store through watch events (an added object, an owner that
// changes, a delete) and through a relist after 410 Gone (an object gone from the list is dropped).
// TEST DOUBLE: an apiserver client whose list answers what the test sets and whose watch stream the test
// feeds event by event.
import { describe, expect, it } from 'vitest';
import { kinds } from '../../kube/kinds.ts';
import type { KubeObject } from '../../kube/object.ts';
import type { KubeRest } from '../../kube/rest.ts';
import { silentLogger } from '../log.ts';
import { createMetrics } from '../metrics.ts';
import { waitFor } from '../testing/harness.ts';
import { Informer } from './informer.ts';

type Event = { type: string; object: KubeObject & { code?: number } };

const cm = (name: string, owner: string | undefined, rv: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: {
    name,
    namespace: 'ns',
    resourceVersion: rv,
    ...(owner
      ? { ownerReferences: [{ apiVersion: 'v1', kind: 'X', name: owner, uid: owner, controller: true }] }
      : {}),
  },
});

function fakeApiserver(items: KubeObject[]) {
  const fake = { items, lists: 0, send: undefined as ((e: Event) => void) | undefined };
  const rest = {
    request: async () => {
      fake.lists++;
      return { metadata: { resourceVersion: String(fake.lists * 100) }, items: fake.items };
    },
    watch: (_path: string, _q: unknown, onEvent: (e: Event) => void, signal: AbortSignal) =>
      new Promise<void>((resolve) => {
        fake.send = onEvent;
        signal.addEventListener('abort', () => resolve());
      }),
  } as unknown as KubeRest;
  return { fake, rest };
}

const names = (objs: readonly KubeObject[]) => objs.map((o) => o.metadata.name).sort();

describe('Informer owner index', () => {
  it('follows adds, owner changes and deletes from the watch and a relist', async () => {
    const { fake, rest } = fakeApiserver([cm('a', 'u1', '1'), cm('b', 'u1', '2')]);
    const informer = new Informer({
      rest,
      type: kinds.ConfigMap,
      watchdogMs: 60_000,
      relistIntervalMs: 600_000,
      reconnectMaxMs: 10,
      metrics: createMetrics(),
      log: silentLogger,
      onEvent: () => undefined,
    });
    await informer.start();
    expect(names(informer.owned('u1'))).toEqual(['a', 'b']);
    await waitFor(async () => fake.send, { what: 'the watch' });

    const send = (type: string, object: KubeObject) => fake.send?.({ type, object });
    send('ADDED', cm('c', 'u2', '3'));
    send('MODIFIED', cm('a', 'u2', '4'));
    send('DELETED', cm('b', 'u1', '5'));
    expect(informer.owned('u1')).toEqual([]);
    expect(names(informer.owned('u2'))).toEqual(['a', 'c']);
    expect(informer.owned('u2').find((o) => o.metadata.name === 'a')?.metadata.resourceVersion).toBe('4');

    // 410 Gone: the informer lists again; `c` is gone and `a` came back to u1 meanwhile.
    fake.items = [cm('a', 'u1', '6')];
    const sent = fake.send;
    send('ERROR', { code: 410 } as unknown as KubeObject);
    await waitFor(async () => fake.lists === 2 && fake.send !== sent, { what: 'the relist' });
    expect(names(informer.owned('u1'))).toEqual(['a']);
    expect(informer.owned('u2')).toEqual([]);
    await informer.stop();
  });
});
