// `tracker render -f cluster.yaml`: the manifests the operator would apply, for GitOps users who do not run
// the operator. The same code as the operator (cdk8s: parseCluster, renderCluster); no cluster access.
import { readFileSync } from 'node:fs';
import { parseAllDocuments, stringify } from 'yaml';
import { type PodPeer, parseCluster, renderCluster, type SchemaMode } from '../cdk8s/index.ts';
import { renderSchemaJob } from '../cdk8s/schema-job/index.ts';
import { ConfigError } from '../common/config/problems.ts';
import { trackerClusterCrd } from '../crds/crd.ts';
import { kind, type TrackerCluster } from '../crds/trackercluster.ts';
import { type KubeObject, kube } from '../kube/object.ts';

export type RenderOptions = {
  file: string;
  namespace?: string;
  withCrd?: boolean;
  /** Also a Job that runs tracker migrate (no operator applies the schema for these manifests). */
  withSchemaJob?: boolean;
  output?: 'yaml' | 'json';
  /** The operator's clickhouse.schemaMode these manifests go with (default cluster). */
  schemaMode?: SchemaMode;
  /** Where Prometheus runs (default: the namespace named monitoring), as the operator's monitoring.prometheus. */
  prometheus?: PodPeer;
  /** The namespace of the operator's pods, as the operator's operatorNamespace (default: any namespace). */
  operatorNamespace?: string;
};

/** What render printed, and one line per document of the input it left out (the CLI says them on stderr). */
export type Rendered = { readonly text: string; readonly skipped: readonly string[] };

type Doc = { readonly index: number; readonly value: unknown };

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** `document 2 (ConfigMap settings)`: which document of the input, and what it holds. */
function describeDoc(doc: Doc): string {
  const o = isObject(doc.value) ? doc.value : {};
  const name = isObject(o.metadata) && typeof o.metadata.name === 'string' ? ` ${o.metadata.name}` : '';
  const what = typeof o.kind === 'string' ? `${o.kind}${name}` : 'no kind';
  return `document ${doc.index} (${what})`;
}

/** Every YAML document of the input, numbered from 1; empty documents (a trailing `---`) are not counted. */
function readDocs(text: string): Doc[] {
  const docs = parseAllDocuments(text);
  const errors = docs.flatMap((d) => d.errors.map((e) => e.message));
  if (errors.length > 0) throw new Error(`cannot parse YAML: ${errors.join('; ')}`);
  return docs
    .map((d) => d.toJS() as unknown)
    .filter((v) => v !== null && v !== undefined)
    .map((value, i) => ({ index: i + 1, value }));
}

/**
 * The input's TrackerCluster documents (with the namespace applied) and a line for each other document: a
 * Secret or a ConfigMap kept in the same file is not rendered, and render says so instead of dropping it
 * without a word.
 */
export function readClusters(text: string, namespace?: string): { clusters: Doc[]; skipped: string[] } {
  const docs = readDocs(text);
  const isCluster = (d: Doc) => isObject(d.value) && d.value.kind === kind;
  const skipped = docs.filter((d) => !isCluster(d)).map((d) => `skipped ${describeDoc(d)}: not a ${kind}`);
  const clusters = docs
    .filter(isCluster)
    .map((d) => ({ ...d, value: withNamespace(d.value as Record<string, unknown>, namespace) }));
  if (clusters.length === 0) {
    const why =
      skipped.length > 0 ? ` (${skipped.length} other document${skipped.length > 1 ? 's' : ''})` : '';
    throw new Error(`no ${kind} in the input${why}`);
  }
  return { clusters, skipped };
}

function withNamespace(obj: Record<string, unknown>, namespace?: string): Record<string, unknown> {
  const metadata = (obj.metadata ?? {}) as Record<string, unknown>;
  if (!namespace && metadata.namespace) return obj;
  return { ...obj, metadata: { ...metadata, namespace: namespace ?? metadata.namespace ?? 'default' } };
}

/**
 * Every cluster parsed before anything is rendered, so that every problem of every document is listed at
 * once (each line names its document and cluster): a file of several clusters used to stop at the first
 * invalid one, and the next run at the next.
 */
function parseAll(clusters: readonly Doc[]): TrackerCluster[] {
  const parsed: TrackerCluster[] = [];
  const problems: string[] = [];
  for (const doc of clusters) {
    try {
      parsed.push(parseCluster(doc.value));
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      problems.push(...err.problems.map((p) => `${describeDoc(doc)}: ${p}`));
    }
  }
  if (problems.length > 0) throw new ConfigError(`${kind} input`, problems);
  return parsed;
}

export function renderText(text: string, opts: Omit<RenderOptions, 'file'> = {}): Rendered {
  const { clusters, skipped } = readClusters(text, opts.namespace);
  const objects: KubeObject[] = [];
  if (opts.withCrd) objects.push(kube(trackerClusterCrd()));
  const installation = {
    schemaMode: opts.schemaMode ?? 'cluster',
    ...(opts.prometheus ? { prometheus: opts.prometheus } : {}),
    ...(opts.operatorNamespace ? { operatorNamespace: opts.operatorNamespace } : {}),
  };
  for (const tc of parseAll(clusters)) {
    const rendered = renderCluster(tc, installation);
    objects.push(...rendered.objects);
    if (opts.withSchemaJob) objects.push(...renderSchemaJob(tc, rendered.hashes.ingest));
  }
  if (opts.output === 'json')
    return {
      text: `${JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }, null, 2)}\n`,
      skipped,
    };
  const yaml = objects.map((o) => stringify(o, { lineWidth: 0, aliasDuplicateObjects: false })).join('---\n');
  return { text: yaml, skipped };
}

export function render(opts: RenderOptions): Rendered {
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
