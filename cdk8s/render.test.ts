import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ConfigError } from '../common/config/problems.ts';
import { annotations, generatedSecrets, parseCluster, renderCluster } from './index.ts';
import { cluster, find, json } from './testing/cluster.ts';

function kinds(spec: unknown): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const o of renderCluster(cluster(spec)).objects) counts[o.kind] = (counts[o.kind] ?? 0) + 1;
  return counts;
}

describe('renderCluster', () => {
  it.each([
    ['1x1, keeper 1', {}, { StatefulSet: 2, ConfigMap: 3, PodDisruptionBudget: 3, Service: 5 }],
    [
      '2x2, keeper 3',
      { clickhouse: { shards: 2, replicas: 2 }, keeper: { replicas: 3 } },
      { StatefulSet: 5, ConfigMap: 6, PodDisruptionBudget: 4 },
    ],
    [
      '3x1, keeper 5',
      { clickhouse: { shards: 3 }, keeper: { replicas: 5 } },
      { StatefulSet: 4, PodDisruptionBudget: 5 },
    ],
    ['with NATS', { nats: {} }, { StatefulSet: 3, ConfigMap: 4, Service: 7, NetworkPolicy: 4 }],
  ])('%s renders one StatefulSet per replica plus Keeper', (_name, spec, expected) => {
    expect(kinds(spec)).toMatchObject({ Deployment: 1, NetworkPolicy: 3, ...expected });
  });

  // Regression: NATS had no policy, and it has no authentication: any pod could publish into the spool.
  it('admits only pods of the same cluster to NATS; the data components also the operator', () => {
    const objects = renderCluster(cluster({ nats: {} })).objects;
    const from = (name: string) => json(find(objects, 'NetworkPolicy', name)).spec;
    const instance = {
      podSelector: {
        matchLabels: { 'app.kubernetes.io/name': 'tracker', 'app.kubernetes.io/instance': 'demo' },
      },
    };
    expect(from('demo-nats')).toEqual({
      podSelector: {
        matchLabels: {
          'app.kubernetes.io/component': 'nats',
          'app.kubernetes.io/instance': 'demo',
          'app.kubernetes.io/name': 'tracker',
        },
      },
      policyTypes: ['Ingress'],
      ingress: [{ from: [instance] }],
    });
    const operator = {
      namespaceSelector: {},
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'tracker-operator' } },
    };
    const tcp = (...numbers: number[]) => numbers.map((port) => ({ protocol: 'TCP', port }));
    // Keeper: ClickHouse's sessions, the quorum, the readiness endpoint; ClickHouse: HTTP (the ingest,
    // the operator), native, and interserver (replication fetches parts from peers).
    expect(from('demo-keeper').ingress[0]).toEqual({
      from: [instance, operator],
      ports: tcp(2181, 9234, 9182),
    });
    expect(from('demo-clickhouse').ingress[0]).toEqual({
      from: [instance, operator],
      ports: tcp(8123, 9000, 9009),
    });
  });

  // Regression: a pod labelled as the operator in any namespace was admitted to Keeper (no password) and
  // ClickHouse: a label is anyone's to put on a pod they may create. The operator names its namespace.
  it("admits the operator's pods from its own namespace only, when the installation names it", () => {
    const { objects } = renderCluster(cluster({}), { operatorNamespace: 'tracker-system' });
    for (const name of ['demo-keeper', 'demo-clickhouse']) {
      const peers = json(find(objects, 'NetworkPolicy', name)).spec.ingress[0].from;
      expect(peers).toContainEqual({
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'tracker-system' } },
        podSelector: { matchLabels: { 'app.kubernetes.io/name': 'tracker-operator' } },
      });
      expect(
        peers.filter((p: { namespaceSelector?: object }) => p.namespaceSelector !== undefined),
      ).toHaveLength(1);
    }
  });

  // Regression: the Keeper and ClickHouse metrics port admitted every source in the cluster, and every
  // port of theirs admitted the ingest's pods, which face the internet.
  it.each([
    [
      'the default (namespace monitoring)',
      undefined,
      [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }],
    ],
    [
      'the pods the installation names',
      { namespaceLabels: { team: 'obs' }, podLabels: { 'app.kubernetes.io/name': 'prometheus' } },
      [
        {
          namespaceSelector: { matchLabels: { team: 'obs' } },
          podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } },
        },
      ],
    ],
  ])(
    'admits only Prometheus to the Keeper and ClickHouse metrics port: %s',
    (_name, prometheus, scrapers) => {
      const { objects } = renderCluster(cluster({ clickhouse: { replicas: 2 }, keeper: { replicas: 3 } }), {
        ...(prometheus ? { prometheus } : {}),
      });
      for (const name of ['demo-keeper', 'demo-clickhouse']) {
        const rules = json(find(objects, 'NetworkPolicy', name)).spec.ingress;
        const toMetrics = rules.filter((r: { ports?: { port: number }[] }) =>
          (r.ports ?? [{ port: 9363 }]).some((p) => p.port === 9363),
        );
        expect(toMetrics).toEqual([{ from: scrapers, ports: [{ protocol: 'TCP', port: 9363 }] }]);
      }
    },
  );

  it('names every object uniquely per kind and puts it in the cluster namespace', () => {
    const { objects } = renderCluster(cluster({ clickhouse: { shards: 2, replicas: 2 }, nats: {} }));
    const ids = objects.map((o) => `${o.kind}/${o.metadata.name}`);
    expect(new Set(ids).size).toBe(ids.length);
    for (const o of objects) expect(o.metadata.namespace).toBe('ns');
  });

  it.each([
    ['StatefulSet', 'demo-keeper'],
    ['StatefulSet', 'demo-ch-0-0'],
    ['Service', 'demo-keeper-headless'],
    ['Service', 'demo-ch-headless'],
    ['Service', 'demo-clickhouse'],
    ['Deployment', 'demo-ingest'],
    ['ConfigMap', 'demo-ingest'],
    ['PodDisruptionBudget', 'demo-ch-0'],
  ])('%s/%s exists with app.kubernetes.io labels', (kind, name) => {
    const o = find(renderCluster(cluster()).objects, kind, name);
    expect(o.metadata.labels).toMatchObject({
      'app.kubernetes.io/name': 'tracker',
      'app.kubernetes.io/instance': 'demo',
      'app.kubernetes.io/part-of': 'tracker',
    });
  });

  it('sets controller owner references from metadata.uid, and none without a uid', () => {
    const owned = renderCluster(cluster({}, { uid: 'uid-1' })).objects;
    for (const o of owned) {
      expect(o.metadata.ownerReferences).toEqual([
        {
          apiVersion: 'tracker.dev/v1alpha1',
          kind: 'TrackerCluster',
          name: 'demo',
          uid: 'uid-1',
          controller: true,
          blockOwnerDeletion: true,
        },
      ]);
    }
    for (const o of renderCluster(cluster()).objects) expect(o.metadata.ownerReferences).toBeUndefined();
  });

  it.each([
    ['StatefulSet', 'demo-keeper'],
    ['StatefulSet', 'demo-ch-0-0'],
    ['Deployment', 'demo-ingest'],
    ['StatefulSet', 'demo-nats'],
  ])('%s/%s runs with secure pod defaults', (kind, name) => {
    const pod = json(find(renderCluster(cluster({ nats: {} })).objects, kind, name)).spec.template.spec;
    expect(pod.securityContext).toMatchObject({
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.topologySpreadConstraints.map((t: { topologyKey: string }) => t.topologyKey)).toEqual([
      'topology.kubernetes.io/zone',
      'kubernetes.io/hostname',
    ]);
    for (const c of pod.containers) {
      expect(c.securityContext).toEqual({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        runAsNonRoot: true,
        capabilities: { drop: ['ALL'] },
      });
      expect(c.resources.requests.cpu).toBeDefined();
      expect(c.resources.requests.memory).toBeDefined();
    }
  });

  it('headless Services publish not-ready addresses (peers resolve before they are ready)', () => {
    const { objects } = renderCluster(cluster({ nats: {} }));
    for (const name of ['demo-keeper-headless', 'demo-ch-headless', 'demo-nats-headless']) {
      expect(json(find(objects, 'Service', name)).spec).toMatchObject({
        clusterIP: 'None',
        publishNotReadyAddresses: true,
      });
    }
  });

  it('is deterministic: the same input renders identical output', () => {
    const spec = { clickhouse: { shards: 2, replicas: 2 }, keeper: { replicas: 3 }, nats: {} };
    expect(renderCluster(cluster(spec))).toEqual(renderCluster(cluster(spec)));
  });

  it('lists the Secrets the operator must generate', () => {
    const hashKey = { name: 'demo-hash-key', keys: ['hash-key'] };
    expect(generatedSecrets(cluster())).toEqual([
      { name: 'demo-credentials', keys: ['password', 'interserver-secret'] },
      hashKey,
    ]);
    const withRef = generatedSecrets(cluster({ clickhouse: { passwordSecretRef: { name: 'mine' } } }));
    expect(withRef).toEqual([{ name: 'demo-credentials', keys: ['interserver-secret'] }, hashKey]);
  });

  it('puts only the restart hash on ClickHouse and Keeper pod templates', () => {
    const r = renderCluster(cluster());
    const sts = json(find(r.objects, 'StatefulSet', 'demo-ch-0-0'));
    expect(sts.spec.template.metadata.annotations).toEqual({
      [annotations.restartHash]: r.hashes.clickhouse['demo-ch-0-0']?.restart,
    });
    const keeper = json(find(r.objects, 'StatefulSet', 'demo-keeper'));
    expect(keeper.spec.template.metadata.annotations).toEqual({
      [annotations.restartHash]: r.hashes.keeper.restart,
    });
  });

  it('renders valid YAML for every ClickHouse config file', () => {
    const cm = json(
      find(
        renderCluster(cluster({ clickhouse: { extraConfig: { max_concurrent_queries: 50 } } })).objects,
        'ConfigMap',
        'demo-ch-0-0',
      ),
    );
    for (const text of Object.values(cm.data)) expect(() => parse(text as string)).not.toThrow();
    expect(parse(cm.data['extra.yaml'])).toEqual({ max_concurrent_queries: 50 });
  });
});

// The operator and `tracker render` parse with this one function (the README says so): before, each
// repeated the CRD checks plus the retention check, and the renderer exported a parse-and-render nobody used.
describe('parseCluster', () => {
  const tc = (spec: unknown) => ({
    apiVersion: 'tracker.dev/v1alpha1',
    kind: 'TrackerCluster',
    metadata: { name: 'demo', namespace: 'ns' },
    spec,
  });

  it('defaults a valid cluster', () => {
    expect(parseCluster(tc({})).spec.clickhouse.shards).toBe(1);
  });

  it.each([
    [
      'a CRD rule',
      { keeper: { replicas: 4 } },
      /^spec\.keeper\.replicas: keeper\.replicas must be 1, 3 or 5/,
    ],
    [
      'retention for a table without an age (what the CRD cannot know)',
      { schema: { retention: { tables: { evnets: 3 } } } },
      /^spec\.schema\.retention\.tables\.evnets: no table with an age/,
    ],
    [
      'a batching override for a table the ingest does not write (it would not start)',
      { ingest: { config: { batching: { tables: { evnts: { maxRows: 10 } } } } } },
      /^spec\.ingest\.config\.batching\.tables\.evnts: no such table/,
    ],
  ])('refuses %s as a ConfigError naming the cluster', (_name, spec, problem) => {
    const thrown = (() => {
      try {
        parseCluster(tc(spec));
      } catch (err) {
        return err;
      }
    })();
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as ConfigError).message).toMatch(/^invalid TrackerCluster demo:/);
    expect((thrown as ConfigError).problems).toEqual([expect.stringMatching(problem)]);
  });
});
