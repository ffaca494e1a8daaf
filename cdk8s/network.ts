// NetworkPolicies of the data components: Keeper and ClickHouse accept connections only from pods of the
// same TrackerCluster and from the operator (schema migrations, health checks); their metrics port is open
// to any scraper. The ingest's own policy is in ingest.ts.
import type {
  V1NetworkPolicy,
  V1NetworkPolicyIngressRule,
  V1NetworkPolicyPeer,
} from '@kubernetes/client-node';
import type { TrackerCluster } from '../crds/trackercluster.ts';
import type { KubeObject } from '../kube/object.ts';
import { type Component, metadata, selectorLabels } from './meta.ts';
import { type Names, ports } from './names.ts';

/** Label of the operator's pods (charts/ sets it); they may run in any namespace. */
export const operatorPodLabels = { 'app.kubernetes.io/name': 'tracker-operator' };

function peers(tc: TrackerCluster): V1NetworkPolicyPeer[] {
  return [
    {
      podSelector: {
        matchLabels: { 'app.kubernetes.io/name': 'tracker', 'app.kubernetes.io/instance': tc.metadata.name },
      },
    },
    { namespaceSelector: {}, podSelector: { matchLabels: operatorPodLabels } },
  ];
}

function policy(tc: TrackerCluster, name: string, component: Component): V1NetworkPolicy {
  // client-node's TypeScript model calls the field `_from` (its serializer renames it); we emit wire JSON.
  const fromPeers = { from: peers(tc) } as unknown as V1NetworkPolicyIngressRule;
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: metadata(tc, name, component),
    spec: {
      podSelector: { matchLabels: selectorLabels(tc, component) },
      policyTypes: ['Ingress'],
      ingress: [fromPeers, { ports: [{ protocol: 'TCP', port: ports.metrics }] }],
    },
  };
}

export function dataNetworkPolicies(tc: TrackerCluster, names: Names): KubeObject[] {
  return [
    policy(tc, names.keeper, 'keeper'),
    policy(tc, names.clickhouseNetworkPolicy, 'clickhouse'),
  ] as KubeObject[];
}
