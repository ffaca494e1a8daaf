// `tracker render -f cluster.yaml`: the manifests the operator would apply, for GitOps users who do not run
// the operator. The same code as the operator (cdk8s: parseCluster, renderCluster); no cluster access.
import { readFileSync } from 'node:fs';
import { parseAllDocuments, stringify } from 'yaml';
import { parseCluster, renderCluster } from '../cdk8s/index.ts';
import { trackerClusterCrd } from '../crds/crd.ts';
import { kind } from '../crds/trackercluster.ts';
import { type KubeObject, kube } from '../kube/object.ts';

export type RenderOptions = { file: string; namespace?: string; withCrd?: boolean; output?: 'yaml' | 'json' };

/** Reads one or more YAML documents (a file, or `-` for stdin) and returns the TrackerCluster ones. */
export function readClusters(text: string, namespace?: string): unknown[] {
  const docs = parseAllDocuments(text);
  const errors = docs.flatMap((d) => d.errors.map((e) => e.message));
  if (errors.length > 0) throw new Error(`cannot parse YAML: ${errors.join('; ')}`);
  const objects = docs.map((d) => d.toJS() as Record<string, unknown> | null).filter((o) => o !== null);
  const clusters = objects.filter((o) => o.kind === kind);
  if (clusters.length === 0) throw new Error(`no ${kind} in the input`);
  return clusters.map((o) => withNamespace(o, namespace));
}

function withNamespace(obj: Record<string, unknown>, namespace?: string): Record<string, unknown> {
  const metadata = (obj.metadata ?? {}) as Record<string, unknown>;
  if (!namespace && metadata.namespace) return obj;
  return { ...obj, metadata: { ...metadata, namespace: namespace ?? metadata.namespace ?? 'default' } };
}

export function renderText(text: string, opts: Omit<RenderOptions, 'file'> = {}): string {
  const objects: KubeObject[] = [];
  if (opts.withCrd) objects.push(kube(trackerClusterCrd()));
  for (const input of readClusters(text, opts.namespace))
    objects.push(...renderCluster(parseCluster(input)).objects);
  if (opts.output === 'json')
    return `${JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }, null, 2)}\n`;
  return objects.map((o) => stringify(o, { lineWidth: 0, aliasDuplicateObjects: false })).join('---\n');
}

export function render(opts: RenderOptions): string {
  return renderText(readInput(opts.file), opts);
}

/** The file's text, or an error naming the file and what is wrong with it (not errno's own wording). */
function readInput(file: string): string {
  try {
    return readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'a directory, not a file' : code;
    throw new Error(`-f ${file}: cannot read: ${why ?? (err as Error).message}`, { cause: err });
  }
}
