// ClickHouse Keeper: one StatefulSet (Parallel start, so a fresh quorum can form), a headless Service that
// publishes not-ready pods (raft peers must resolve each other before any is ready), a client Service,
// a PDB that keeps a quorum, and a config split into a restart part and the hot-reloadable raft members.
import type { V1ConfigMap, V1PodDisruptionBudget, V1Service, V1StatefulSet } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import type { TrackerCluster } from '../crds/trackercluster.ts';
import { hashOf } from '../kube/hash.ts';
import type { KubeObject } from '../kube/object.ts';
import type { ConfigHashes } from './meta.ts';
import { annotations, type Component, labels, metadata, selectorLabels } from './meta.ts';
import { type Names, ports } from './names.ts';
import { dataClaim, podSecurityContext, scratchVolumes, secureContainer, topologySpread } from './pod.ts';

const component: Component = 'keeper';
const configDir = '/etc/clickhouse-keeper';
const dataDir = '/var/lib/clickhouse-keeper';
/** uid of the clickhouse user in the official images. */
const uid = 101;

/** Raft ids are 1-based ordinals (the ClickHouse docs' convention); the pod derives its own from its hostname. */
export function raftMembers(tc: TrackerCluster, names: Names) {
  return Array.from({ length: tc.spec.keeper.replicas }, (_, i) => ({
    id: i + 1,
    hostname: names.keeperHost(i),
    port: ports.keeperRaft,
  }));
}

/** keeper_config.yaml: changes here need a restart. */
function restartConfig() {
  return {
    listen_host: '0.0.0.0',
    path: dataDir,
    logger: { level: 'information', console: 1 },
    keeper_server: {
      tcp_port: ports.keeperClient,
      server_id: { '@from_env': 'KEEPER_SERVER_ID' },
      log_storage_path: `${dataDir}/coordination/log`,
      snapshot_storage_path: `${dataDir}/coordination/snapshots`,
      coordination_settings: {
        operation_timeout_ms: 10_000,
        session_timeout_ms: 30_000,
        raft_logs_level: 'warning',
      },
      four_letter_word_white_list: 'conf,cons,crst,envi,ruok,srst,srvr,stat,wchs,dirs,mntr,isro,rcvr',
      http_control: { port: ports.keeperHttpControl, readiness: { endpoint: '/ready' } },
    },
    prometheus: {
      endpoint: '/metrics',
      port: ports.metrics,
      metrics: true,
      events: true,
      asynchronous_metrics: true,
    },
  };
}

/** keeper_config.d/raft.yaml: Keeper re-reads raft_configuration and applies membership changes in place. */
function hotConfig(tc: TrackerCluster, names: Names) {
  return { keeper_server: { raft_configuration: { server: raftMembers(tc, names) } } };
}

export function keeperConfig(tc: TrackerCluster, names: Names) {
  const restart = stringify(restartConfig());
  const hot = stringify(hotConfig(tc, names));
  return {
    files: { 'keeper.yaml': restart, 'raft.yaml': hot },
    hashes: { restart: hashOf(restart), hot: hashOf(hot) },
  };
}

export function keeperObjects(
  tc: TrackerCluster,
  names: Names,
): { objects: KubeObject[]; hashes: ConfigHashes } {
  const config = keeperConfig(tc, names);
  const meta = (name: string, extra = {}) => metadata(tc, name, component, extra);
  const configMap: V1ConfigMap = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: meta(names.keeper, { annotations: { [annotations.hotHash]: config.hashes.hot } }),
    data: config.files,
  };
  return {
    objects: [
      configMap,
      service(tc, names.keeperHeadless, true, meta),
      service(tc, names.keeper, false, meta),
      statefulSet(tc, names, config.hashes),
      pdb(tc, names),
    ] as KubeObject[],
    hashes: config.hashes,
  };
}

function service(
  tc: TrackerCluster,
  name: string,
  headless: boolean,
  meta: (n: string) => V1Service['metadata'],
) {
  const clientPort = { name: 'client', port: ports.keeperClient, targetPort: 'client' };
  const raftPort = { name: 'raft', port: ports.keeperRaft, targetPort: 'raft' };
  const svc: V1Service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta(name),
    spec: headless
      ? {
          clusterIP: 'None',
          publishNotReadyAddresses: true,
          selector: selectorLabels(tc, component),
          ports: [clientPort, raftPort],
        }
      : { selector: selectorLabels(tc, component), ports: [clientPort] },
  };
  return svc;
}

function statefulSet(tc: TrackerCluster, names: Names, hashes: ConfigHashes): V1StatefulSet {
  const { keeper } = tc.spec;
  const selector = selectorLabels(tc, component);
  const scratch = scratchVolumes({ tmp: '/tmp' });
  // The ordinal is the hostname's suffix; raft ids are ordinal + 1 (see raftMembers).
  const start = `export KEEPER_SERVER_ID=$(( \${HOSTNAME##*-} + 1 )); exec clickhouse-keeper --config-file=${configDir}/keeper_config.yaml`;
  const container = secureContainer(
    {
      name: 'keeper',
      image: keeper.image,
      command: ['/bin/sh', '-c', start],
      ports: [
        { name: 'client', containerPort: ports.keeperClient },
        { name: 'raft', containerPort: ports.keeperRaft },
        { name: 'http-control', containerPort: ports.keeperHttpControl },
        { name: 'metrics', containerPort: ports.metrics },
      ],
      // Ready = part of a quorum with a leader; liveness only checks the process answers.
      readinessProbe: {
        httpGet: { path: '/ready', port: 'http-control' },
        periodSeconds: 5,
        failureThreshold: 3,
      },
      livenessProbe: {
        tcpSocket: { port: 'client' },
        initialDelaySeconds: 30,
        periodSeconds: 10,
        failureThreshold: 6,
      },
      volumeMounts: [
        { name: 'config', mountPath: configDir },
        { name: 'data', mountPath: dataDir },
        ...scratch.mounts,
      ],
    },
    keeper.resources,
  );
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: metadata(tc, names.keeper, component, {
      annotations: { [annotations.restartHash]: hashes.restart, [annotations.hotHash]: hashes.hot },
    }),
    spec: {
      replicas: keeper.replicas,
      serviceName: names.keeperHeadless,
      podManagementPolicy: 'Parallel',
      selector: { matchLabels: selector },
      updateStrategy: { type: 'RollingUpdate' },
      template: {
        metadata: {
          labels: labels(tc, component),
          annotations: { [annotations.restartHash]: hashes.restart },
        },
        spec: {
          automountServiceAccountToken: false,
          securityContext: podSecurityContext(uid),
          topologySpreadConstraints: topologySpread(selector),
          containers: [container],
          volumes: [
            {
              name: 'config',
              configMap: {
                name: names.keeper,
                items: [
                  { key: 'keeper.yaml', path: 'keeper_config.yaml' },
                  { key: 'raft.yaml', path: 'keeper_config.d/raft.yaml' },
                ],
              },
            },
            ...scratch.volumes,
          ],
        },
      },
      volumeClaimTemplates: [dataClaim(keeper.storage)],
    },
  };
}

/** Keep a quorum: at most (n-1)/2 members down; with one member no quorum can be kept, so allow one. */
function pdb(tc: TrackerCluster, names: Names): V1PodDisruptionBudget {
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: metadata(tc, names.keeper, component),
    spec: {
      maxUnavailable: Math.max(1, Math.floor((tc.spec.keeper.replicas - 1) / 2)),
      selector: { matchLabels: selectorLabels(tc, component) },
    },
  };
}
