// Secure pod defaults shared by every workload: non-root, read-only root filesystem, no capabilities,
// RuntimeDefault seccomp, resource requests, and spreading across zones and nodes.
import type {
  V1Container,
  V1LabelSelector,
  V1PodSecurityContext,
  V1ResourceRequirements,
  V1SecurityContext,
  V1TopologySpreadConstraint,
  V1Volume,
  V1VolumeMount,
} from '@kubernetes/client-node';
import type { Resources } from '../crds/spec.ts';

export function podSecurityContext(uid: number): V1PodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: uid,
    // Volumes (PVCs, emptyDirs) become writable by the non-root user; OnRootMismatch avoids a slow
    // recursive chown of a large ClickHouse volume on every start.
    fsGroup: uid,
    fsGroupChangePolicy: 'OnRootMismatch',
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

export const containerSecurityContext: V1SecurityContext = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
  capabilities: { drop: ['ALL'] },
};

/** The CRD allows integers (`cpu: 1`); Kubernetes' typed client wants strings. */
export function resources(spec: Resources): V1ResourceRequirements {
  const list = (l: Record<string, string | number> | undefined) =>
    l ? Object.fromEntries(Object.entries(l).map(([k, v]) => [k, String(v)])) : undefined;
  const out: V1ResourceRequirements = {};
  const requests = list(spec.requests);
  const limits = list(spec.limits);
  if (requests) out.requests = requests;
  if (limits) out.limits = limits;
  return out;
}

/**
 * Spread pods of one selector across zones and nodes. ScheduleAnyway: a single-zone or single-node cluster
 * still schedules (hard anti-affinity would leave replicas Pending there).
 */
export function topologySpread(selector: Record<string, string>): V1TopologySpreadConstraint[] {
  const labelSelector: V1LabelSelector = { matchLabels: selector };
  return ['topology.kubernetes.io/zone', 'kubernetes.io/hostname'].map((topologyKey) => ({
    maxSkew: 1,
    topologyKey,
    whenUnsatisfiable: 'ScheduleAnyway',
    labelSelector,
  }));
}

/** Writable scratch directories for a read-only root filesystem. */
export function scratchVolumes(dirs: Record<string, string>): {
  volumes: V1Volume[];
  mounts: V1VolumeMount[];
} {
  const entries = Object.entries(dirs);
  return {
    volumes: entries.map(([name]) => ({ name, emptyDir: {} })),
    mounts: entries.map(([name, mountPath]) => ({ name, mountPath })),
  };
}

/** A container with the secure context and resources applied. */
export function secureContainer(c: V1Container & { name: string }, spec: Resources): V1Container {
  return {
    imagePullPolicy: 'IfNotPresent',
    ...c,
    securityContext: containerSecurityContext,
    resources: resources(spec),
  };
}

/** The `data` volumeClaimTemplate of a StatefulSet. The operator grows PVCs itself; this only seeds them. */
export function dataClaim(storage: { size: string | number; storageClassName?: string }) {
  return {
    metadata: { name: 'data' },
    spec: {
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: String(storage.size) } },
      ...(storage.storageClassName ? { storageClassName: storage.storageClassName } : {}),
    },
  };
}
