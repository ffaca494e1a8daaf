// ClickHouse: one StatefulSet + ConfigMap per shard-replica (so the operator restarts or resizes one host at
// a time), a headless Service that publishes not-ready pods (hosts in remote_servers resolve during boot),
// a client Service for the ingest, and a PDB per shard allowing one replica down.
import type {
  V1ConfigMap,
  V1EnvVar,
  V1PodDisruptionBudget,
  V1Service,
  V1StatefulSet,
  V1Volume,
} from '@kubernetes/client-node';
import type { TrackerCluster } from '../crds/trackercluster.ts';
import type { KubeObject } from '../kube/object.ts';
import {
  clickhouseConfig,
  clickhouseDataDir,
  clickhouseEnv,
  configFiles,
  type ReplicaId,
} from './clickhouse-config.ts';
import type { ConfigHashes } from './meta.ts';
import {
  annotations,
  type Component,
  checksumAnnotation,
  labelKeys,
  labels,
  metadata,
  selectorLabels,
} from './meta.ts';
import { credentialKeys, type Names, ports } from './names.ts';
import { dataClaim, podSecurityContext, scratchVolumes, secureContainer, topologySpread } from './pod.ts';
import { passwordRef } from './pod-secrets.ts';

const component: Component = 'clickhouse';
const uid = 101;

export function replicaIds(tc: TrackerCluster): ReplicaId[] {
  const { shards, replicas } = tc.spec.clickhouse;
  return Array.from({ length: shards }, (_, shard) =>
    Array.from({ length: replicas }, (_, replica) => ({ shard, replica })),
  ).flat();
}

/** `secretChecksum`: of the Secret values the pods read at start (pod-secrets.ts); none: no annotation. */
export function clickhouseObjects(tc: TrackerCluster, names: Names, secretChecksum?: string) {
  const objects: KubeObject[] = [
    service(tc, names.clickhouseHeadless, true),
    service(tc, names.clickhouse, false),
  ];
  const hashes: Record<string, ConfigHashes> = {};
  for (const id of replicaIds(tc)) {
    const name = names.replica(id.shard, id.replica);
    const config = clickhouseConfig(tc, names, id);
    hashes[name] = config.hashes;
    const sts = statefulSet(tc, names, id, { ...config, secretChecksum });
    objects.push(configMap(tc, name, id, config), sts as KubeObject);
  }
  for (let s = 0; s < tc.spec.clickhouse.shards; s++) objects.push(shardPdb(tc, names, s) as KubeObject);
  return { objects, hashes };
}

const replicaLabels = (id: ReplicaId) => ({
  [labelKeys.shard]: String(id.shard),
  [labelKeys.replica]: String(id.replica),
});

type ReplicaConfig = ReturnType<typeof clickhouseConfig>;

function configMap(tc: TrackerCluster, name: string, id: ReplicaId, config: ReplicaConfig) {
  const cm: V1ConfigMap = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: metadata(tc, name, component, {
      labels: replicaLabels(id),
      annotations: {
        [annotations.restartHash]: config.hashes.restart,
        [annotations.hotHash]: config.hashes.hot,
      },
    }),
    data: config.files,
  };
  return cm as KubeObject;
}

function service(tc: TrackerCluster, name: string, headless: boolean): KubeObject {
  const port = (n: string, p: number) => ({ name: n, port: p, targetPort: n });
  const clientPorts = [port('http', ports.clickhouseHttp), port('native', ports.clickhouseNative)];
  const svc: V1Service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: metadata(tc, name, component),
    spec: headless
      ? {
          clusterIP: 'None',
          publishNotReadyAddresses: true,
          selector: selectorLabels(tc, component),
          ports: [...clientPorts, port('interserver', ports.clickhouseInterserver)],
        }
      : { selector: selectorLabels(tc, component), ports: clientPorts },
  };
  return svc as KubeObject;
}

function env(tc: TrackerCluster, names: Names): V1EnvVar[] {
  const password = passwordRef(tc, names);
  return [
    { name: clickhouseEnv.password, valueFrom: { secretKeyRef: { name: password.name, key: password.key } } },
    {
      name: clickhouseEnv.interserver,
      valueFrom: { secretKeyRef: { name: names.credentials, key: credentialKeys.interserver } },
    },
  ];
}

/** config.d/ and users.d/ from the replica's ConfigMap; whole directories, so the kubelet updates them live. */
function configVolumes(name: string, files: Record<string, string>): V1Volume[] {
  return (['config.d', 'users.d'] as const).map((dir) => ({
    name: dir.replace('.', '-'),
    configMap: {
      name,
      items: Object.values(configFiles)
        .filter((f) => f.dir === dir && files[f.key] !== undefined)
        .map((f) => ({ key: f.key, path: f.path })),
    },
  }));
}

function statefulSet(
  tc: TrackerCluster,
  names: Names,
  id: ReplicaId,
  config: ReplicaConfig & { secretChecksum?: string | undefined },
): V1StatefulSet {
  const { hashes, secretChecksum } = config;
  const { clickhouse } = tc.spec;
  const name = names.replica(id.shard, id.replica);
  const selector = { ...selectorLabels(tc, component), ...replicaLabels(id) };
  const scratch = scratchVolumes({ tmp: '/tmp', logs: '/var/log/clickhouse-server' });
  const container = secureContainer(
    {
      name: 'clickhouse',
      image: clickhouse.image,
      // The image's entrypoint wants root for chown and writes users.d from env; run the server directly.
      command: ['/usr/bin/clickhouse-server', '--config-file=/etc/clickhouse-server/config.xml'],
      env: env(tc, names),
      ports: [
        { name: 'http', containerPort: ports.clickhouseHttp },
        { name: 'native', containerPort: ports.clickhouseNative },
        { name: 'interserver', containerPort: ports.clickhouseInterserver },
        { name: 'metrics', containerPort: ports.metrics },
      ],
      startupProbe: { httpGet: { path: '/ping', port: 'http' }, periodSeconds: 5, failureThreshold: 60 },
      readinessProbe: { httpGet: { path: '/ping', port: 'http' }, periodSeconds: 5, failureThreshold: 3 },
      livenessProbe: { httpGet: { path: '/ping', port: 'http' }, periodSeconds: 10, failureThreshold: 6 },
      volumeMounts: [
        { name: 'config-d', mountPath: '/etc/clickhouse-server/config.d' },
        { name: 'users-d', mountPath: '/etc/clickhouse-server/users.d' },
        { name: 'data', mountPath: clickhouseDataDir },
        ...scratch.mounts,
      ],
    },
    clickhouse.resources,
  );
  const shardPeers = { ...selectorLabels(tc, component), [labelKeys.shard]: String(id.shard) };
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: metadata(tc, name, component, {
      labels: replicaLabels(id),
      annotations: { [annotations.restartHash]: hashes.restart, [annotations.hotHash]: hashes.hot },
    }),
    spec: {
      replicas: 1,
      serviceName: names.clickhouseHeadless,
      podManagementPolicy: 'Parallel',
      selector: { matchLabels: selector },
      template: {
        metadata: {
          labels: labels(tc, component, replicaLabels(id)),
          annotations: { [annotations.restartHash]: hashes.restart, ...checksumAnnotation(secretChecksum) },
        },
        spec: {
          automountServiceAccountToken: false,
          securityContext: podSecurityContext(uid),
          terminationGracePeriodSeconds: 120,
          topologySpreadConstraints: topologySpread(selectorLabels(tc, component)),
          // Replicas of one shard on different nodes where possible: losing a node loses no shard.
          affinity: {
            podAntiAffinity: {
              preferredDuringSchedulingIgnoredDuringExecution: [
                {
                  weight: 100,
                  podAffinityTerm: {
                    topologyKey: 'kubernetes.io/hostname',
                    labelSelector: { matchLabels: shardPeers },
                  },
                },
              ],
            },
          },
          containers: [container],
          volumes: [...configVolumes(name, config.files), ...scratch.volumes],
        },
      },
      volumeClaimTemplates: [dataClaim(clickhouse.storage)],
    },
  };
}

function shardPdb(tc: TrackerCluster, names: Names, shard: number): V1PodDisruptionBudget {
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: metadata(tc, names.shardPdb(shard), component, {
      labels: { [labelKeys.shard]: String(shard) },
    }),
    spec: {
      maxUnavailable: 1,
      selector: { matchLabels: { ...selectorLabels(tc, component), [labelKeys.shard]: String(shard) } },
    },
  };
}
