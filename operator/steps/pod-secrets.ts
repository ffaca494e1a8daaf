// The Secrets a rendered workload's pods need before they can start: volumes (and projected sources),
// env and envFrom references that are not optional. A pod waiting for one that does not exist only shows
// "0/N ready"; the ingest step names it instead.
import type { KubeObject } from '../../kube/object.ts';

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
