// The one registry of the Kubernetes kinds the operator touches, and what it does with each. Everything else
// is derived from it: the informers the controller starts (watched), the kinds prune may delete (pruned),
// the REST paths (group, version, plural, namespaced) and the chart's RBAC rules (verbs; scripts/generate.ts
// writes them into the chart, kube/rbac.ts says how). A fixed table instead of API discovery: the operator
// only ever touches these kinds, and a typo fails loudly here rather than as a 404 at runtime.

export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete';

/** Where an RBAC rule is granted: in the watched namespaces, or in the operator's own (release) namespace. */
export type Grant = 'watched' | 'release';

export interface ManagedKind {
  /** '' for the core group. */
  readonly group: string;
  readonly version: string;
  /** `group/version`, or just `version` for the core group (what objects carry). */
  readonly apiVersion: string;
  readonly kind: string;
  readonly plural: string;
  readonly namespaced: boolean;
  /** Rendered or created by the operator, with a controller ownerReference to its TrackerCluster. */
  readonly owned: boolean;
  /** Kept in an informer cache (owned kinds: only objects labelled as managed by the operator). */
  readonly watched: boolean;
  /** Deleted when the TrackerCluster no longer renders it. */
  readonly pruned: boolean;
  /**
   * Served only once another project installed its CRD (cert-manager). Its informer treats "not served" as
   * an empty cache and keeps asking, so the operator neither needs cert-manager nor misses it arriving later.
   */
  readonly optional: boolean;
  /**
   * Verbs the operator uses: the chart grants exactly these, and charts/rbac.int.test.ts fails on a grant
   * the operator, run as the chart's ServiceAccount, never needed.
   */
  readonly verbs: readonly Verb[];
  /** Verbs on subresources (`status`, `finalizers`). */
  readonly subresources: Readonly<Record<string, readonly Verb[]>>;
  readonly grants: readonly Grant[];
}

/** A registry entry as written below: its identity, and whatever differs from the defaults of row(). */
type Entry = Pick<ManagedKind, 'group' | 'version' | 'kind' | 'plural'> & Partial<ManagedKind>;

// An informer lists and watches (reads come from its cache, never a GET); server-side apply is a PATCH,
// which the apiserver also authorises as a create when the object does not exist yet; prune deletes.
const renderedVerbs: readonly Verb[] = ['list', 'watch', 'create', 'patch', 'delete'];

function row(r: Entry): ManagedKind {
  return {
    apiVersion: r.group === '' ? r.version : `${r.group}/${r.version}`,
    namespaced: true,
    owned: false,
    watched: false,
    pruned: false,
    optional: false,
    verbs: [],
    subresources: {},
    grants: ['watched'],
    ...r,
  };
}

/** An object the operator renders: owned, watched, pruned when no longer rendered. */
const rendered = (r: Entry): ManagedKind =>
  row({ owned: true, watched: true, pruned: true, verbs: renderedVerbs, ...r });

export const kinds = {
  /** The custom resource: watched (never written); status is a merge patch of its subresource. */
  TrackerCluster: row({
    group: 'tracker.dev',
    version: 'v1alpha1',
    kind: 'TrackerCluster',
    plural: 'trackerclusters',
    watched: true,
    verbs: ['list', 'watch'],
    // Not a request the operator sends: where the OwnerReferencesPermissionEnforcement admission plugin
    // runs (OpenShift, hardened clusters), setting an ownerReference with blockOwnerDeletion, as every
    // owned object has, needs update on the owner's finalizers subresource.
    subresources: { status: ['patch'], finalizers: ['update'] },
  }),
  ConfigMap: rendered({ group: '', version: 'v1', kind: 'ConfigMap', plural: 'configmaps' }),
  // The generated credentials: created once, never applied or deleted (the garbage collector removes them
  // with their TrackerCluster). get: a password Secret the user names (spec.clickhouse.passwordSecretRef)
  // carries no operator label, so no informer caches it.
  Secret: rendered({
    group: '',
    version: 'v1',
    kind: 'Secret',
    plural: 'secrets',
    pruned: false,
    verbs: ['get', 'list', 'watch', 'create'],
  }),
  Service: rendered({ group: '', version: 'v1', kind: 'Service', plural: 'services' }),
  StatefulSet: rendered({ group: 'apps', version: 'v1', kind: 'StatefulSet', plural: 'statefulsets' }),
  Deployment: rendered({ group: 'apps', version: 'v1', kind: 'Deployment', plural: 'deployments' }),
  PodDisruptionBudget: rendered({
    group: 'policy',
    version: 'v1',
    kind: 'PodDisruptionBudget',
    plural: 'poddisruptionbudgets',
  }),
  NetworkPolicy: rendered({
    group: 'networking.k8s.io',
    version: 'v1',
    kind: 'NetworkPolicy',
    plural: 'networkpolicies',
  }),
  HorizontalPodAutoscaler: rendered({
    group: 'autoscaling',
    version: 'v2',
    kind: 'HorizontalPodAutoscaler',
    plural: 'horizontalpodautoscalers',
  }),
  // Rendered only for spec.schema.prune: the scheduled `tracker prune`.
  CronJob: rendered({ group: 'batch', version: 'v1', kind: 'CronJob', plural: 'cronjobs' }),
  // Rendered only for spec.ingest.tls.issuerRef.
  Certificate: rendered({
    group: 'cert-manager.io',
    version: 'v1',
    kind: 'Certificate',
    plural: 'certificates',
    optional: true,
  }),
  // ClickHouse data volumes only ever grow, and are not watched: a GET before a replica is created (is its
  // volume marked as dropped?), a list and patches when storage grows or a replica is retired.
  PersistentVolumeClaim: row({
    group: '',
    version: 'v1',
    kind: 'PersistentVolumeClaim',
    plural: 'persistentvolumeclaims',
    verbs: ['get', 'list', 'patch'],
  }),
  // Events on TrackerClusters, so in the watched namespaces; each is a new Event (never patched).
  Event: row({
    group: '',
    version: 'v1',
    kind: 'Event',
    plural: 'events',
    verbs: ['create'],
  }),
  // Leader election: one Lease in the operator's own namespace.
  Lease: row({
    group: 'coordination.k8s.io',
    version: 'v1',
    kind: 'Lease',
    plural: 'leases',
    verbs: ['get', 'create', 'update'],
    grants: ['release'],
  }),
} as const satisfies Record<string, ManagedKind>;

export const allKinds: readonly ManagedKind[] = Object.values(kinds);
export const watchedKinds: readonly ManagedKind[] = allKinds.filter((k) => k.watched);
export const prunedKinds: readonly ManagedKind[] = allKinds.filter((k) => k.pruned);

const key = (apiVersion: string, kind: string): string => `${apiVersion}/${kind}`;
const byKey = new Map(allKinds.map((k) => [key(k.apiVersion, k.kind), k]));

/** The registry entry of an object's kind; throws for a kind the operator does not manage. */
export function kindOf(apiVersion: string, kind: string): ManagedKind {
  const found = byKey.get(key(apiVersion, kind));
  if (!found) throw new Error(`resolve resource ${apiVersion} ${kind}: not a kind the operator manages`);
  return found;
}
