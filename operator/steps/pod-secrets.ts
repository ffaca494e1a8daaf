// The Secrets a rendered workload's pods need before they can start: volumes (and projected sources),
// env and envFrom references that are not optional. A pod waiting for one that does not exist only shows
// "0/N ready"; the ClickHouse and ingest gates name it instead.
import { kinds } from '../../kube/kinds.ts';
import type { KubeObject } from '../../kube/object.ts';
import { objectPath } from '../../kube/paths.ts';
import type { Deps, ReconcileState } from '../reconcile/state.ts';

type Ref = { name?: string; optional?: boolean };
type Container = {
  env?: { valueFrom?: { secretKeyRef?: Ref } }[];
  envFrom?: { secretRef?: Ref }[];
};
type PodSpec = {
  volumes?: {
    secret?: { secretName?: string; optional?: boolean };
    projected?: { sources?: { secret?: Ref }[] };
  }[];
  containers?: Container[];
  initContainers?: Container[];
};

/** Names of the Secrets the workload's pod template requires, each once, in the order first named. */
export function requiredSecrets(workload: KubeObject): string[] {
  const template = (workload.spec as { template?: { spec?: PodSpec } } | undefined)?.template;
  const pod = template?.spec ?? {};
  const containers = [...(pod.initContainers ?? []), ...(pod.containers ?? [])];
  const refs = [...(pod.volumes ?? []).flatMap(volumeRefs), ...containers.flatMap(containerRefs)];
  const names = refs.filter((r) => r.optional !== true && r.name).map((r) => r.name as string);
  return [...new Set(names)];
}

function volumeRefs(v: NonNullable<PodSpec['volumes']>[number]): Ref[] {
  const own = v.secret ? [{ name: v.secret.secretName, optional: v.secret.optional }] : [];
  return [...own, ...(v.projected?.sources ?? []).flatMap((s) => (s.secret ? [s.secret] : []))];
}

function containerRefs(c: Container): Ref[] {
  return [
    ...(c.env ?? []).flatMap((e) => (e.valueFrom?.secretKeyRef ? [e.valueFrom.secretKeyRef] : [])),
    ...(c.envFrom ?? []).flatMap((e) => (e.secretRef ? [e.secretRef] : [])),
  ];
}

/** Those of `names` that `exists` does not find (looked up one after the other: a handful at most). */
export async function missingSecrets(
  names: readonly string[],
  exists: (name: string) => Promise<boolean>,
): Promise<string[]> {
  const missing: string[] = [];
  for (const name of names) if (!(await exists(name))) missing.push(name);
  return missing;
}

/**
 * The Secrets the workloads' pods need that do not exist (a password, TLS or webhook Secret the spec
 * names, not made yet). Asked only while a gate waits for those pods: the user's Secrets carry no
 * operator label, so no informer caches them, and a GET per reconcile of a cluster at rest would be
 * wasted.
 */
export function absentSecrets(
  workloads: readonly KubeObject[],
  ns: string,
  deps: Deps,
  state?: ReconcileState,
): Promise<string[]> {
  const names = [...new Set(workloads.flatMap(requiredSecrets))];
  return missingSecrets(names, async (name) => {
    // The render step read the Secrets its checksums need in this reconcile, found or not: no second GET.
    if (state?.secrets?.has(name)) return state.secrets.get(name) !== undefined;
    if (deps.cache.get(kinds.Secret, ns, name)) return true;
    return (await deps.rest.getOrUndefined(objectPath(kinds.Secret, ns, name))) !== undefined;
  });
}

/** `<waiting>: the pods need Secret a, not found in namespace ns`: what a gate says while they are missing. */
export function missingSecretsMessage(waiting: string, missing: readonly string[], ns: string): string {
  const which = `${missing.length === 1 ? 'Secret' : 'Secrets'} ${missing.join(', ')}`;
  return `${waiting}: the pods need ${which}, not found in namespace ${ns}`;
}
