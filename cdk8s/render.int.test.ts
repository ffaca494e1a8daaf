// Every object rendered for both examples passes a server-side dry-run apply on the real kube-apiserver,
// owned by a real TrackerCluster (its uid in the owner references, as the operator renders them).
import { readFileSync } from 'node:fs';
import { CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { createNamespace, installCrd } from '../crds/testing/kube.ts';
import { group, plural, type TrackerCluster, version } from '../crds/trackercluster.ts';
import { parseTrackerCluster } from '../crds/validate.ts';
import { kubectlOk } from '../e2e/env/kubectl.ts';
import type { KubeObject } from '../kube/object.ts';
import { renderCluster } from './index.ts';

const kubeconfig = inject('kubeconfig');
let namespace = '';

beforeAll(() => {
  installCrd(kubeconfig);
  namespace = createNamespace(kubeconfig, 'render-it');
});

/** Create the example for real and return it as the operator would see it (uid, defaults applied). */
async function created(file: string): Promise<TrackerCluster> {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  const body = parse(readFileSync(`examples/${file}.yaml`, 'utf8'));
  const obj = await kc
    .makeApiClient(CustomObjectsApi)
    .createNamespacedCustomObject({ group, version, plural, namespace, body });
  return parseTrackerCluster(obj);
}

/** kubectl sends the YAML as rendered (client-node's typed serializer would drop NetworkPolicy `from`). */
function dryRunApply(objects: readonly KubeObject[]): KubeObject[] {
  const yaml = objects.map((o) => stringify(o)).join('---\n');
  const args = [
    'apply',
    '--server-side',
    '--dry-run=server',
    '--field-manager=tracker-operator',
    '-o',
    'json',
    '-f',
    '-',
  ];
  const out = JSON.parse(kubectlOk(kubeconfig, args, yaml)) as { items?: KubeObject[] } & KubeObject;
  return out.items ?? [out];
}

describe.each(['minimal', 'production'])('examples/%s.yaml rendered', (file) => {
  let tc: TrackerCluster;
  let objects: KubeObject[];
  let applied: KubeObject[];

  beforeAll(async () => {
    tc = await created(file);
    objects = renderCluster(tc).objects;
    applied = dryRunApply(objects);
  });

  it('every object passes a server-side dry-run apply', () => {
    const ids = (list: readonly KubeObject[]) => list.map((o) => `${o.kind}/${o.metadata.name}`).sort();
    expect(ids(applied)).toEqual(ids(objects));
  });

  it('the apiserver keeps the owner reference to the TrackerCluster', () => {
    for (const o of applied) {
      expect(o.metadata.ownerReferences?.[0]).toMatchObject({
        kind: 'TrackerCluster',
        uid: tc.metadata.uid,
        controller: true,
      });
    }
  });

  it('the apiserver kept what matters (nothing pruned as unknown)', () => {
    const get = (kind: string, name: string) =>
      applied.find((o) => o.kind === kind && o.metadata.name === name) as unknown;
    const base = tc.metadata.name;
    const headless = get('Service', `${base}-ch-headless`) as {
      spec: { publishNotReadyAddresses?: boolean };
    };
    expect(headless.spec.publishNotReadyAddresses).toBe(true);
    const np = get('NetworkPolicy', `${base}-clickhouse`) as {
      spec: { ingress: Array<{ from?: unknown[] }> };
    };
    expect(np.spec.ingress[0]?.from).toHaveLength(2);
    if (file === 'production') {
      const prune = get('CronJob', `${base}-prune`) as {
        spec: { schedule: string; concurrencyPolicy: string; jobTemplate: { spec: { template: unknown } } };
      };
      expect(prune.spec).toMatchObject({ schedule: '17 3 * * *', concurrencyPolicy: 'Forbid' });
    }
  });
});
