// TEST HELPER: the StatefulSets of a namespace as a timeline, from one watch. Watch events of one resource
// type arrive in etcd's order, so "what did Keeper look like when the first ClickHouse pod template
// changed" is answered exactly, with no polling window in which a transition can slip by.
import type { KubeObject } from '../../kube/object.ts';
import type { KubeRest } from '../../kube/rest.ts';
import { stsPath } from './harness.ts';

/** Every StatefulSet as it was right after each event (name → object), in event order. */
export type Snapshot = ReadonlyMap<string, KubeObject>;

export async function watchStatefulSets(rest: KubeRest, ns: string) {
  const list = await rest.request<{ metadata: { resourceVersion: string }; items: KubeObject[] }>(
    'list',
    stsPath(ns),
  );
  const current = new Map(list.items.map((s) => [s.metadata.name, s]));
  const snapshots: Snapshot[] = [new Map(current)];
  const abort = new AbortController();
  rest
    .watch<KubeObject>(
      stsPath(ns),
      { resourceVersion: list.metadata.resourceVersion },
      ({ type, object: obj }) => {
        if (type === 'DELETED') current.delete(obj.metadata.name);
        else if (type === 'ADDED' || type === 'MODIFIED') current.set(obj.metadata.name, obj);
        else return;
        snapshots.push(new Map(current));
      },
      abort.signal,
    )
    .catch(() => undefined);
  return {
    snapshots,
    stop: () => abort.abort(),
  };
}

type Workload = { spec?: { replicas?: number; template?: { spec?: { containers?: { image?: string }[] } } } };
type WorkloadStatus = Record<string, number | string | undefined>;

export const imageOf = (s: KubeObject | undefined): string | undefined =>
  (s as Workload | undefined)?.spec?.template?.spec?.containers?.[0]?.image;

/** The StatefulSet controller runs the latest spec on every pod, and all of them are Ready. */
export function rolledOut(s: KubeObject | undefined): boolean {
  if (!s) return false;
  const st = (s.status ?? {}) as WorkloadStatus;
  const replicas = (s as Workload).spec?.replicas ?? 1;
  return (
    st.observedGeneration === s.metadata.generation &&
    st.currentRevision === st.updateRevision &&
    st.readyReplicas === replicas &&
    st.updatedReplicas === replicas
  );
}
