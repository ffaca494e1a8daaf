// TEST DOUBLE of the PersistentVolume binder controller, which the test environment runs with
// `-persistentvolume-binder` (no storage here). Without it StatefulSet pods wait forever on unbound claims and
// the scheduler never places them on the kwok node. For each Pending claim in the namespace it creates a
// PersistentVolume (hostPath, never used: kwok runs no containers) and binds both the way the real
// controller does (claimRef + volumeName + bind-completed, status Bound), so PVC expansion works as well.
// Like a real cluster, it leaves Pending a claim naming a StorageClass that does not exist.
import type { KubeRest } from '../../kube/rest.ts';

type Pvc = {
  metadata: { name: string; namespace: string; uid: string; annotations?: Record<string, string> };
  spec: {
    volumeName?: string;
    storageClassName?: string;
    accessModes?: string[];
    resources?: { requests?: { storage?: string } };
  };
  status?: { phase?: string };
};

export interface VolumeBinder {
  stop(): Promise<void>;
}

export function startVolumeBinder(rest: KubeRest, namespace: string, intervalMs = 200): VolumeBinder {
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      await bindPending(rest, namespace).catch(() => undefined);
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
    },
  };
}

async function bindPending(rest: KubeRest, namespace: string): Promise<void> {
  const list = await rest.request<{ items: Pvc[] }>(
    'list',
    `/api/v1/namespaces/${namespace}/persistentvolumeclaims`,
  );
  for (const pvc of list.items)
    if (!pvc.spec.volumeName && (await classExists(rest, pvc))) await bind(rest, pvc);
}

async function classExists(rest: KubeRest, pvc: Pvc): Promise<boolean> {
  const name = pvc.spec.storageClassName;
  if (!name) return true;
  return (await rest.getOrUndefined(`/apis/storage.k8s.io/v1/storageclasses/${name}`)) !== undefined;
}

async function bind(rest: KubeRest, pvc: Pvc): Promise<void> {
  const pv = `pv-${pvc.metadata.uid}`;
  const storage = pvc.spec.resources?.requests?.storage ?? '1Gi';
  const accessModes = pvc.spec.accessModes ?? ['ReadWriteOnce'];
  await rest
    .request('create', '/api/v1/persistentvolumes', {
      body: {
        apiVersion: 'v1',
        kind: 'PersistentVolume',
        metadata: { name: pv, annotations: { 'pv.kubernetes.io/bound-by-controller': 'yes' } },
        spec: {
          capacity: { storage },
          accessModes,
          storageClassName: pvc.spec.storageClassName ?? '',
          persistentVolumeReclaimPolicy: 'Delete',
          hostPath: { path: `/tmp/tracker-fake-pv/${pv}` },
          claimRef: {
            kind: 'PersistentVolumeClaim',
            namespace: pvc.metadata.namespace,
            name: pvc.metadata.name,
            uid: pvc.metadata.uid,
          },
        },
      },
    })
    .catch((err) => {
      if ((err as { status?: number }).status !== 409) throw err;
    });
  const path = `/api/v1/namespaces/${pvc.metadata.namespace}/persistentvolumeclaims/${pvc.metadata.name}`;
  const annotations = {
    'pv.kubernetes.io/bind-completed': 'yes',
    'pv.kubernetes.io/bound-by-controller': 'yes',
  };
  await rest.request('patch', path, { body: { metadata: { annotations }, spec: { volumeName: pv } } });
  await rest.request('patch', `${path}/status`, {
    body: { status: { phase: 'Bound', accessModes, capacity: { storage } } },
  });
  await rest.request('patch', `/api/v1/persistentvolumes/${pv}/status`, {
    body: { status: { phase: 'Bound' } },
  });
}
