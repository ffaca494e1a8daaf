// NetworkPolicies of the data components: Keeper and ClickHouse accept connections only from pods of the
// same TrackerCluster and from the operator (schema migrations, health checks); their metrics port only
// from where Prometheus runs (the installation's setting, as for the ingest's operations port). The
// in-cluster NATS (no authentication) accepts only pods of the same TrackerCluster: a client that reached
// it could publish rows into the spool, which the ingest delivers as already checked.
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
import type { PodPeer } from './options.ts';

/** Label of the operator's pods (charts/ sets it). */
export const operatorPodLabels = { 'app.kubernetes.io/name': 'tracker-operator' };

const instancePeer = (tc: TrackerCluster): V1NetworkPolicyPeer => ({
  podSelector: {
    matchLabels: { 'app.kubernetes.io/name': 'tracker', 'app.kubernetes.io/instance': tc.metadata.name },
  },
});
/**
 * The operator's pods: in its own namespace when the installation names it (the chart does), else in any.
 * A label is anyone's to put on a pod, so without the namespace every user allowed to create a pod
 * anywhere in the cluster reached Keeper (no password) and ClickHouse's ports by labelling it.
 */
const operatorPeer = (namespace: string | undefined): V1NetworkPolicyPeer => ({
  namespaceSelector:
    namespace === undefined || namespace === ''
      ? {}
      : { matchLabels: { 'kubernetes.io/metadata.name': namespace } },
  podSelector: { matchLabels: operatorPodLabels },
});

/** Pods matching `peer` (a selector is left out where it would match everything anyway). */
export function podPeer(peer: PodPeer): V1NetworkPolicyPeer {
  const selector = (labels: Readonly<Record<string, string>>) => ({ matchLabels: { ...labels } });
  return {
    namespaceSelector: selector(peer.namespaceLabels),
    ...(Object.keys(peer.podLabels).length > 0 ? { podSelector: selector(peer.podLabels) } : {}),
  };
}

/** Admits `peers` to `openPorts`, or to every port when none are named. */
export function ingressFrom(
  peers: V1NetworkPolicyPeer[],
  openPorts: number[] = [],
): V1NetworkPolicyIngressRule {
  // client-node's TypeScript model calls the field `_from` (its serializer renames it); we emit wire JSON.
  return {
    from: peers,
    ...(openPorts.length > 0 ? { ports: openPorts.map((port) => ({ protocol: 'TCP', port })) } : {}),
  } as unknown as V1NetworkPolicyIngressRule;
}

function policy(
  tc: TrackerCluster,
  name: string,
  component: Component,
  ingress: V1NetworkPolicyIngressRule[],
): V1NetworkPolicy {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: metadata(tc, name, component),
    spec: {
      podSelector: { matchLabels: selectorLabels(tc, component) },
      policyTypes: ['Ingress'],
      ingress,
    },
  };
}

/**
 * Each data component's own ports admit the pods of its TrackerCluster (Keeper's quorum and ClickHouse's
 * sessions to it, replicas fetching parts from each other, the ingest) and the operator; its metrics port
 * admits only Prometheus. The ports are named, because a rule without ports would open the metrics port
 * to the ingest's pods too, and those face the internet.
 */
export function dataNetworkPolicies(
  tc: TrackerCluster,
  names: Names,
  prometheus: PodPeer,
  operatorNamespace?: string,
): KubeObject[] {
  const data = [instancePeer(tc), operatorPeer(operatorNamespace)];
  const metrics = ingressFrom([podPeer(prometheus)], [ports.metrics]);
  const keeperPorts = [ports.keeperClient, ports.keeperRaft, ports.keeperHttpControl];
  const clickhousePorts = [ports.clickhouseHttp, ports.clickhouseNative, ports.clickhouseInterserver];
  return [
    policy(tc, names.keeper, 'keeper', [ingressFrom(data, keeperPorts), metrics]),
    policy(tc, names.clickhouseNetworkPolicy, 'clickhouse', [ingressFrom(data, clickhousePorts), metrics]),
    ...(tc.spec.nats ? [policy(tc, names.nats, 'nats', [ingressFrom([instancePeer(tc)])])] : []),
  ] as KubeObject[];
}
