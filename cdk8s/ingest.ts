// The ingest tier: Deployment (no `replicas` when an HPA owns the count, else the HPA and every apply fight),
// Service, HPA (autoscaling/v2), PDB, ConfigMap + config-hash annotation (a config change rolls the pods),
// NetworkPolicy, and a cert-manager Certificate when TLS comes from an issuer. Each pod has two ports: `http`
// (server.port: tracking, the probes), the one the Service exposes and anyone may reach, and `ops`
// (server.opsPort: /metrics, /status), which no Service exposes and only Prometheus's pods may reach.
import type {
  V1ConfigMap,
  V1Deployment,
  V1NetworkPolicy,
  V1PodDisruptionBudget,
  V1Service,
  V1Volume,
  V1VolumeMount,
  V2HorizontalPodAutoscaler,
} from '@kubernetes/client-node';
import type { TrackerCluster } from '../crds/trackercluster.ts';
import { hashOf } from '../kube/hash.ts';
import { type KubeObject, kube } from '../kube/object.ts';
import { ingestConfig, ingestPaths } from './ingest-config.ts';
import { annotations, type Component, checksumAnnotation, labels, metadata, selectorLabels } from './meta.ts';
import { credentialKeys, type Names } from './names.ts';
import { ingressFrom, podPeer } from './network.ts';
import type { PodPeer, SchemaMode, SchemaOwner } from './options.ts';
import { podSecurityContext, scratchVolumes, secureContainer, topologySpread } from './pod.ts';
import { passwordRef } from './pod-secrets.ts';

const component: Component = 'ingest';
/** uid of the `node` user in the official Node images. */
const uid = 1000;
/**
 * The image's node and server with the `clickhouse` store's Node flags (ingest/node-flags.ts, which
 * node-flags.test.ts holds this to): the image's ENTRYPOINT carries the embedded store's, whose process
 * is larger and gains more from a larger young generation than this one can spare memory for.
 */
const ingestCommand: readonly string[] = [
  '/usr/local/bin/node',
  '--max-semi-space-size=4',
  '--heap-growing-percent=30',
  '/app/ingest/server.js',
];
/** Without a replica count or autoscaling: two, so one pod can roll or be evicted without an outage. */
export const defaultIngestReplicas = 2;

export interface IngestOptions {
  readonly schemaMode: SchemaMode;
  /** Rendered as store.schemaOwner; unset: not rendered (tracker migrate, the ingest's default). */
  readonly schemaOwner?: SchemaOwner | undefined;
  /** The only pods admitted to the operations port. */
  readonly prometheus: PodPeer;
  /** Of the Secret values the pods read at start (pod-secrets.ts); none: no annotation. */
  readonly secretChecksum?: string | undefined;
}

/** The ports every ingest pod listens on (the rendered configuration's, defaults applied). */
export type IngestPorts = { readonly http: number; readonly ops: number };

export function ingestObjects(tc: TrackerCluster, names: Names, opts: IngestOptions) {
  const config = ingestConfig(tc, names, opts.schemaMode, opts.schemaOwner);
  const json = `${JSON.stringify(config, null, 2)}\n`;
  const hash = hashOf(json);
  const ports: IngestPorts = { http: config.server?.port ?? 8080, ops: config.server?.opsPort ?? 9464 };
  const objects: KubeObject[] = [
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: metadata(tc, names.ingest, component),
      data: { 'config.json': json },
    } satisfies V1ConfigMap as KubeObject,
    deployment(tc, names, { hash, secretChecksum: opts.secretChecksum }, ports) as KubeObject,
    service(tc, names) as KubeObject,
    pdb(tc, names) as KubeObject,
    networkPolicy(tc, names, ports, opts.prometheus) as KubeObject,
  ];
  if (tc.spec.ingest.autoscaling) objects.push(kube(hpa(tc, names)));
  if (tc.spec.ingest.tls?.issuerRef) objects.push(certificate(tc, names));
  return { objects, hash };
}

/** The ingest configuration and the ClickHouse password: what every process of the ingest image reads. */
export function configVolumes(
  tc: TrackerCluster,
  names: Names,
): { volumes: V1Volume[]; mounts: V1VolumeMount[] } {
  const password = passwordRef(tc, names);
  return {
    volumes: [
      { name: 'config', configMap: { name: names.ingest } },
      {
        name: 'clickhouse-password',
        secret: { secretName: password.name, items: [{ key: password.key, path: 'password' }] },
      },
    ],
    mounts: [
      { name: 'config', mountPath: ingestPaths.configDir, readOnly: true },
      { name: 'clickhouse-password', mountPath: ingestPaths.passwordDir, readOnly: true },
    ],
  };
}

function volumes(tc: TrackerCluster, names: Names): V1Volume[] {
  const tls = tc.spec.ingest.tls;
  const tlsSecret = tls?.secretName ?? names.ingestTlsSecret;
  return [
    ...configVolumes(tc, names).volumes,
    {
      name: 'hash-key',
      secret: { secretName: names.hashKey, items: [{ key: credentialKeys.hashKey, path: 'key' }] },
    },
    ...(tls ? [{ name: 'tls', secret: { secretName: tlsSecret } }] : []),
    ...destinationSecrets(tc).map((d) => ({
      name: d.volume,
      secret: { secretName: d.ref.name, items: [{ key: d.ref.key, path: d.file }] },
    })),
  ];
}

/** One Secret volume per destination, holding its one credential (a destination name is a DNS label once `_` is `-`). */
function destinationSecrets(tc: TrackerCluster) {
  const { facebook, webhooks } = tc.spec.ingest.destinations;
  return [
    ...facebook.map((d) => ({ name: d.name, ref: d.accessTokenSecretRef, file: 'token' })),
    ...webhooks.map((d) => ({ name: d.name, ref: d.signingSecretRef, file: 'secret' })),
  ].map((d) => ({ ...d, volume: `destination-${d.name.replaceAll('_', '-')}` }));
}

type PodHashes = { readonly hash: string; readonly secretChecksum: string | undefined };

function deployment(tc: TrackerCluster, names: Names, hashes: PodHashes, ports: IngestPorts): V1Deployment {
  const { ingest } = tc.spec;
  const selector = selectorLabels(tc, component);
  // The spool and the destination backlogs are emptyDirs: they survive container restarts; across pods the
  // NATS spool (and with it the destination streams) is the durable one. The state directory is an
  // emptyDir too. The erasure journal is there only on the disk spool: on the NATS spool (the default
  // with spec.nats) it is a KV bucket next to the spool's stream, so an erase request a pod accepted and
  // had not finished outlives the pod (a rollout, a scale-down, an eviction) and another replica resumes
  // it. On the disk spool it is lost with the pod.
  const scratch = scratchVolumes({
    spool: ingestPaths.spoolDir,
    state: ingestPaths.stateDir,
    destinations: ingestPaths.destinationsDir,
    tmp: '/tmp',
  });
  const grace = Math.ceil((ingest.config.server?.shutdownGraceMs ?? 25_000) / 1000) + 5;
  const container = secureContainer(
    {
      name: 'ingest',
      image: ingest.image,
      command: [...ingestCommand],
      // Only TRACKER_CONFIG: every other TRACKER_* variable is a config override to the ingest.
      env: [{ name: 'TRACKER_CONFIG', value: ingestPaths.configFile }],
      ports: [
        { name: 'http', containerPort: ports.http },
        { name: 'ops', containerPort: ports.ops },
      ],
      // On the public port, which the NetworkPolicy opens to every source: the kubelet reaches it whatever
      // the network plugin makes of node traffic, which the operations port's policy might not admit.
      readinessProbe: {
        httpGet: { path: '/ready', port: 'http', scheme: ingest.tls ? 'HTTPS' : 'HTTP' },
        periodSeconds: 5,
      },
      livenessProbe: {
        httpGet: { path: '/health', port: 'http', scheme: ingest.tls ? 'HTTPS' : 'HTTP' },
        periodSeconds: 10,
        failureThreshold: 6,
      },
      volumeMounts: [
        ...configVolumes(tc, names).mounts,
        { name: 'hash-key', mountPath: ingestPaths.hashKeyDir, readOnly: true },
        ...(ingest.tls ? [{ name: 'tls', mountPath: ingestPaths.tlsDir, readOnly: true }] : []),
        ...destinationSecrets(tc).map((d) => ({
          name: d.volume,
          mountPath: `${ingestPaths.destinationSecretsDir}/${d.name}`,
          readOnly: true,
        })),
        ...scratch.mounts,
      ],
    },
    ingest.resources,
  );
  const replicas = ingest.autoscaling ? {} : { replicas: ingest.replicas ?? defaultIngestReplicas };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: metadata(tc, names.ingest, component),
    spec: {
      ...replicas,
      selector: { matchLabels: selector },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      template: {
        metadata: {
          labels: labels(tc, component),
          annotations: {
            [annotations.configHash]: hashes.hash,
            ...checksumAnnotation(hashes.secretChecksum),
          },
        },
        spec: {
          automountServiceAccountToken: false,
          securityContext: podSecurityContext(uid),
          terminationGracePeriodSeconds: grace,
          topologySpreadConstraints: topologySpread(selector),
          containers: [container],
          volumes: [...volumes(tc, names), ...scratch.volumes],
        },
      },
    },
  };
}

/**
 * The ingest Service. Reached from outside the cluster (NodePort, LoadBalancer), it routes to the pods on
 * the node the connection came in on (externalTrafficPolicy Local): under the default (Cluster) the node
 * forwards the connection with its own address as the source, so the ingest saw a few node addresses for
 * every visitor: one rate limit shared by everybody, the cookieless visitor id (a hash of the address)
 * shared by everyone with the same browser, and the place of the node in every row.
 */
function service(tc: TrackerCluster, names: Names): V1Service {
  const tls = tc.spec.ingest.tls !== undefined;
  const external = tc.spec.ingest.serviceType !== 'ClusterIP';
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: metadata(tc, names.ingest, component),
    spec: {
      type: tc.spec.ingest.serviceType,
      ...(external ? { externalTrafficPolicy: 'Local' } : {}),
      selector: selectorLabels(tc, component),
      ports: [{ name: tls ? 'https' : 'http', port: tls ? 443 : 80, targetPort: 'http' }],
    },
  };
}

function hpa(tc: TrackerCluster, names: Names): V2HorizontalPodAutoscaler {
  const a = tc.spec.ingest.autoscaling!;
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: metadata(tc, names.ingest, component),
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: names.ingest },
      minReplicas: a.minReplicas,
      maxReplicas: a.maxReplicas,
      metrics: [
        {
          type: 'Resource',
          resource: {
            name: 'cpu',
            target: { type: 'Utilization', averageUtilization: a.targetCPUUtilizationPercentage },
          },
        },
      ],
    },
  };
}

function pdb(tc: TrackerCluster, names: Names): V1PodDisruptionBudget {
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: metadata(tc, names.ingest, component),
    spec: { maxUnavailable: 1, selector: { matchLabels: selectorLabels(tc, component) } },
  };
}

/**
 * The ingest is the public entry point: any source may reach its HTTP port. Its operations port (metrics,
 * status) only Prometheus's pods may reach; nothing else reaches the pods at all.
 */
function networkPolicy(
  tc: TrackerCluster,
  names: Names,
  ports: IngestPorts,
  prometheus: PodPeer,
): V1NetworkPolicy {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: metadata(tc, names.ingest, component),
    spec: {
      podSelector: { matchLabels: selectorLabels(tc, component) },
      policyTypes: ['Ingress'],
      ingress: [
        { ports: [{ protocol: 'TCP', port: ports.http }] },
        ingressFrom([podPeer(prometheus)], [ports.ops]),
      ],
    },
  };
}

/** cert-manager writes the key pair into `<name>-ingest-tls`; the ingest reloads it when it changes. */
function certificate(tc: TrackerCluster, names: Names): KubeObject {
  const tls = tc.spec.ingest.tls!;
  return {
    apiVersion: 'cert-manager.io/v1',
    kind: 'Certificate',
    metadata: metadata(tc, names.ingestTlsSecret, component),
    spec: {
      secretName: names.ingestTlsSecret,
      issuerRef: tls.issuerRef,
      dnsNames: [...new Set([...tls.dnsNames, names.ingest, names.ingestHost])],
    },
  };
}
