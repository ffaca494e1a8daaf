// Optional in-cluster NATS JetStream (spec.nats): the ingest's replicated spool and real-time fan-out.
// One StatefulSet with routes to every member, a headless Service publishing not-ready pods (routes resolve
// during boot), a client Service and a PDB keeping a JetStream quorum.
import type { V1ConfigMap, V1PodDisruptionBudget, V1Service, V1StatefulSet } from '@kubernetes/client-node';
import type { NatsSpec } from '../crds/spec.ts';
import type { TrackerCluster } from '../crds/trackercluster.ts';
import { hashOf } from '../kube/hash.ts';
import type { KubeObject } from '../kube/object.ts';
import { annotations, type Component, labels, metadata, selectorLabels } from './meta.ts';
import { type Names, ports } from './names.ts';
import { dataClaim, podSecurityContext, scratchVolumes, secureContainer, topologySpread } from './pod.ts';

const component: Component = 'nats';
const uid = 1000;

export function natsConfig(tc: TrackerCluster, nats: NatsSpec, names: Names): string {
  const lines = [
    'server_name: $POD_NAME',
    `listen: 0.0.0.0:${ports.natsClient}`,
    `http: 0.0.0.0:${ports.natsMonitor}`,
    'jetstream {',
    '  store_dir: /data',
    '}',
  ];
  if (nats.replicas > 1) {
    const routes = Array.from(
      { length: nats.replicas },
      (_, i) => `nats://${names.natsHost(i)}:${ports.natsCluster}`,
    );
    lines.push('cluster {', `  name: ${tc.metadata.name}`, `  listen: 0.0.0.0:${ports.natsCluster}`);
    lines.push('  routes: [', ...routes.map((r) => `    ${r}`), '  ]', '}');
  }
  return `${lines.join('\n')}\n`;
}

export function natsObjects(tc: TrackerCluster, names: Names): KubeObject[] {
  const nats = tc.spec.nats;
  if (!nats) return [];
  const conf = natsConfig(tc, nats, names);
  const selector = selectorLabels(tc, component);
  const clientPort = { name: 'client', port: ports.natsClient, targetPort: 'client' };
  const cm: V1ConfigMap = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: metadata(tc, names.nats, component),
    data: { 'nats.conf': conf },
  };
  const headless: V1Service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: metadata(tc, names.natsHeadless, component),
    spec: {
      clusterIP: 'None',
      publishNotReadyAddresses: true,
      selector,
      ports: [clientPort, { name: 'cluster', port: ports.natsCluster, targetPort: 'cluster' }],
    },
  };
  const client: V1Service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: metadata(tc, names.nats, component),
    spec: { selector, ports: [clientPort] },
  };
  const pdb: V1PodDisruptionBudget = {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: metadata(tc, names.nats, component),
    spec: {
      maxUnavailable: Math.max(1, Math.floor((nats.replicas - 1) / 2)),
      selector: { matchLabels: selector },
    },
  };
  return [cm, headless, client, statefulSet(tc, nats, names, hashOf(conf)), pdb] as KubeObject[];
}

function statefulSet(tc: TrackerCluster, nats: NatsSpec, names: Names, hash: string): V1StatefulSet {
  const selector = selectorLabels(tc, component);
  const scratch = scratchVolumes({ tmp: '/tmp' });
  const health = (path: string) => ({ httpGet: { path, port: 'monitor' }, periodSeconds: 10 });
  const container = secureContainer(
    {
      name: 'nats',
      image: nats.image,
      command: ['nats-server', '--config', '/etc/nats/nats.conf'],
      env: [{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
      ports: [
        { name: 'client', containerPort: ports.natsClient },
        { name: 'cluster', containerPort: ports.natsCluster },
        { name: 'monitor', containerPort: ports.natsMonitor },
      ],
      readinessProbe: health('/healthz?js-enabled-only=true'),
      livenessProbe: {
        ...health('/healthz?js-enabled-only=true'),
        failureThreshold: 6,
        initialDelaySeconds: 10,
      },
      volumeMounts: [
        { name: 'config', mountPath: '/etc/nats' },
        { name: 'data', mountPath: '/data' },
        ...scratch.mounts,
      ],
    },
    nats.resources,
  );
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: metadata(tc, names.nats, component),
    spec: {
      replicas: nats.replicas,
      serviceName: names.natsHeadless,
      podManagementPolicy: 'Parallel',
      selector: { matchLabels: selector },
      template: {
        metadata: { labels: labels(tc, component), annotations: { [annotations.configHash]: hash } },
        spec: {
          automountServiceAccountToken: false,
          securityContext: podSecurityContext(uid),
          topologySpreadConstraints: topologySpread(selector),
          containers: [container],
          volumes: [{ name: 'config', configMap: { name: names.nats } }, ...scratch.volumes],
        },
      },
      volumeClaimTemplates: [dataClaim(nats.storage)],
    },
  };
}
