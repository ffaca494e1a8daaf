// NetworkPolicies of the data components: Keeper and ClickHouse accept connections only from pods of the
// same TrackerCluster and from the operator (schema migrations, health checks); their metrics port is open
// to any scraper. The in-cluster NATS (no authentication) accepts only pods of the same TrackerCluster: a
// client that reached it could publish rows into the spool, which the ingest delivers as already checked.
// The ingest's own policy is in ingest.ts.
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

const instancePeer = (tc: TrackerCluster): V1NetworkPolicyPeer => ({
  podSelector: {
    matchLabels: { 'app.kubernetes.io/name': 'tracker', 'app.kubernetes.io/instance': tc.metadata.name },
  },
});
const operatorPeer: V1NetworkPolicyPeer = {
  namespaceSelector: {},
  podSelector: { matchLabels: operatorPodLabels },
};

function policy(
  tc: TrackerCluster,
  name: string,
  component: Component,
  peers: V1NetworkPolicyPeer[],
  openPorts: number[],
): V1NetworkPolicy {
  // client-node's TypeScript model calls the field `_from` (its serializer renames it); we emit wire JSON.
  const fromPeers = { from: peers } as unknown as V1NetworkPolicyIngressRule;
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: metadata(tc, name, component),
    spec: {
      podSelector: { matchLabels: selectorLabels(tc, component) },
      policyTypes: ['Ingress'],
      ingress: [fromPeers, ...openPorts.map((port) => ({ ports: [{ protocol: 'TCP', port }] }))],
    },
  };
}

export function dataNetworkPolicies(tc: TrackerCluster, names: Names): KubeObject[] {
  const data = [instancePeer(tc), operatorPeer];
  return [
    policy(tc, names.keeper, 'keeper', data, [ports.metrics]),
    policy(tc, names.clickhouseNetworkPolicy, 'clickhouse', data, [ports.metrics]),
    ...(tc.spec.nats ? [policy(tc, names.nats, 'nats', [instancePeer(tc)], [])] : []),
  ] as KubeObject[];
}
