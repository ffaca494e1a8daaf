// The informer on the real apiserver: events arrive, a silent watch is restarted by the watchdog and keeps
// delivering, and the periodic relist runs (diffing, so it re-emits nothing unchanged). An optional kind
// whose API is not served yet is an empty, synced cache that fills once its CRD is installed. A
// metadata-only informer is answered PartialObjectMetadata: a Secret's change arrives, its values never.

import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createNamespace, installStandInCrd } from '../../crds/testing/kube.ts';
import { kubeconfigAccess } from '../../kube/access.ts';
import { kinds, type ManagedKind } from '../../kube/kinds.ts';
import type { KubeObject } from '../../kube/object.ts';
import { KubeRest } from '../../kube/rest.ts';
import { silentLogger } from '../log.ts';
import { createMetrics } from '../metrics.ts';
import { waitFor } from '../testing/harness.ts';
import { Informer, type InformerEvent } from './informer.ts';

let rest: KubeRest;
let ns: string;

beforeAll(() => {
  rest = new KubeRest(kubeconfigAccess([inject('kubeconfig')]));
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
      rest,
      type: kinds.ConfigMap,
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

  it('treats an optional kind whose API is not served as empty and synced, and fills once it is served', async () => {
    const group = `optional-${randomBytes(3).toString('hex')}.tracker.test`;
    const widget: ManagedKind = {
      ...kinds.Certificate,
      group,
      version: 'v1',
      apiVersion: `${group}/v1`,
      kind: 'Widget',
      plural: 'widgets',
    };
    const events: [InformerEvent, string][] = [];
    const informer = new Informer({
      rest,
      type: widget,
      namespace: ns,
      watchdogMs: 20_000,
      relistIntervalMs: 60_000,
      reconnectMaxMs: 300,
      metrics: createMetrics(),
      log: silentLogger,
      onEvent: (e, o: KubeObject) => events.push([e, o.metadata.name]),
    });
    await informer.start();
    expect(informer.synced).toBe(true);
    expect(informer.list()).toEqual([]);
    installStandInCrd(inject('kubeconfig'), widget);
    const body = { apiVersion: widget.apiVersion, kind: 'Widget', metadata: { name: 'w1', namespace: ns } };
    await rest.request('create', `/apis/${widget.apiVersion}/namespaces/${ns}/widgets`, { body });
    await waitFor(async () => informer.get(ns, 'w1'), { what: 'the widget once its API is served' });
    await informer.stop();
    expect(events).toEqual([['ADDED', 'w1']]);
  });

  it('metadata only: the apiserver sends no Secret value, and a changed value still arrives as an event', async () => {
    const raw: unknown[] = [];
    const spy = {
      request: (verb: 'list', path: string, o: object) =>
        rest.request<{ kind?: string }>(verb, path, o).then((answer) => {
          raw.push(answer);
          return answer;
        }),
      watch: (
        path: string,
        q: Record<string, string>,
        on: (e: { object: unknown }) => void,
        s: AbortSignal,
        a?: string,
      ) =>
        rest.watch(
          path,
          q,
          (e: { type: string; object: unknown }) => {
            raw.push(e.object);
            on(e);
          },
          s,
          a,
        ),
    } as unknown as KubeRest;
    const events: [InformerEvent, string, string][] = [];
    const informer = new Informer({
      rest: spy,
      type: kinds.Secret,
      namespace: ns,
      metadataOnly: true,
      watchdogMs: 20_000,
      relistIntervalMs: 60_000,
      reconnectMaxMs: 300,
      metrics: createMetrics(),
      log: silentLogger,
      onEvent: (e, o: KubeObject) => events.push([e, o.kind, o.metadata.name]),
    });
    const secretBody = (value: string) => ({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'user-password', namespace: ns },
      stringData: { password: value },
    });
    const path = `/api/v1/namespaces/${ns}/secrets`;
    await rest.request('create', path, { body: secretBody('first-value') });
    await informer.start();
    expect(informer.get(ns, 'user-password')).toMatchObject({ kind: 'Secret', apiVersion: 'v1' });
    await rest.request('update', `${path}/user-password`, { body: secretBody('second-value') });
    await waitFor(async () => events.some(([e, , n]) => e === 'MODIFIED' && n === 'user-password'), {
      what: 'the changed Secret as an event',
    });
    await informer.stop();
    expect(events.filter(([, , n]) => n === 'user-password')).toEqual([
      ['ADDED', 'Secret', 'user-password'],
      ['MODIFIED', 'Secret', 'user-password'],
    ]);
    const sent = JSON.stringify(raw);
    expect(sent).toContain('PartialObjectMetadata');
    for (const value of ['first-value', 'second-value'])
      expect(sent).not.toContain(Buffer.from(value).toString('base64'));
    expect(sent).not.toContain('"data"');
  });
});
