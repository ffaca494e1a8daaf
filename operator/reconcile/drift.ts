// Drift: a field the operator applies whose value someone else changed. Server-side apply records, per
// field manager, the exact set of fields it owns (metadata.managedFields, fieldsV1). Any change of a field
// by another client moves that field's ownership away from the manager that applied it: an update
// (`kubectl edit`, `patch`, `scale`, a controller) takes it over, a forced apply takes it over, and a
// removal leaves nobody owning it. So a rendered field that is no longer in the operator's own field set was
// changed by someone else, and nothing else was. The comparison is on field ownership, never on values:
// the apiserver's defaults, normalised quantities (`1073741824` stored as `1Gi`) and int-or-string fields
// cannot produce a false difference, and it reads only the informer cache (no request).
import type { KubeObject } from '../../kube/object.ts';

/** A fieldsV1 node: `f:<field>`, `k:<json key>` (list item by key), `v:<json value>` (set item), `.`. */
type FieldSet = { readonly [key: string]: FieldSet };

type ManagedFieldsEntry = {
  manager?: string;
  time?: string;
  operation?: string;
  subresource?: string;
  fieldsV1?: FieldSet;
};

function applyEntry(live: KubeObject, manager: string): ManagedFieldsEntry | undefined {
  const entries = (live.metadata.managedFields ?? []) as ManagedFieldsEntry[];
  return entries.find(
    (e) => e.manager === manager && e.operation === 'Apply' && (e.subresource ?? '') === '',
  );
}

/** The field set `manager` owns through server-side apply on the object itself (not a subresource). */
export function appliedFields(live: KubeObject, manager: string): FieldSet | undefined {
  return applyEntry(live, manager)?.fieldsV1;
}

/**
 * When `manager`'s apply last changed the object (its managedFields entry's time moves whenever a field
 * it owns is added, changed or removed; an apply that changes nothing leaves it), in epoch ms.
 */
export function appliedAt(live: KubeObject | undefined, manager: string): number | undefined {
  const time = live && applyEntry(live, manager)?.time;
  return time ? Date.parse(time) : undefined;
}

/** One drifted field: printed for logs and Events, and the steps that locate it in any field set. */
export type Drift = { readonly path: string; readonly steps: readonly Step[] };
/** A map field by name, or a list item by its value (matched against `k:`/`v:` entries). */
type Step = { readonly field: string } | { readonly item: unknown };

/**
 * Fields `desired` sets that `manager` does not own in `live` (someone else changed or removed them).
 * Empty when nothing drifted. A live object without an apply entry of `manager` has drifted entirely.
 */
export function driftedFields(desired: KubeObject, live: KubeObject, manager: string): Drift[] {
  const owned = appliedFields(live, manager);
  if (!owned) return [{ path: '(every field: never applied by this manager)', steps: [] }];
  const { apiVersion: _v, kind: _k, metadata, ...rest } = desired;
  const { name: _n, namespace: _ns, ...meta } = metadata;
  const out: Drift[] = [];
  walk({ ...rest, metadata: meta }, owned, { path: '', steps: [] }, out);
  return out;
}

/**
 * A node without children is a member of the set as a whole: an atomic map or struct (a Service's
 * selector, a label selector, an ownerReference, a secretKeyRef) or an atomic list. Whoever changes a part
 * of it takes over the whole node, so its absence is what shows the change, one level up. A granular map's
 * node, by contrast, is only a prefix of its fields and never empty while the map has fields.
 */
function walk(value: unknown, owned: FieldSet, at: Drift, out: Drift[]): void {
  if (Object.keys(owned).length === 0) return;
  if (Array.isArray(value)) {
    walkList(value, owned, at, out);
    return;
  }
  if (!isObject(value)) return;
  for (const [field, child] of Object.entries(value)) {
    // An explicit null asks the apiserver to unset the field: nothing is owned there.
    if (child === undefined || child === null) continue;
    const next = { path: at.path ? `${at.path}.${field}` : field, steps: [...at.steps, { field }] };
    const node = owned[`f:${field}`];
    if (!node) out.push(next);
    else walk(child, node, next, out);
  }
}

/** A set (`v:` items) or a map keyed by some of its items' fields (`k:` items: containers by name, ...). */
function walkList(items: readonly unknown[], owned: FieldSet, at: Drift, out: Drift[]): void {
  for (const [i, item] of items.entries()) {
    const next = { path: `${at.path}[${describeItem(item, i)}]`, steps: [...at.steps, { item }] };
    const node = itemNode(owned, item);
    if (!node) out.push(next);
    else walk(item, node, next, out);
  }
}

function itemNode(owned: FieldSet, item: unknown): FieldSet | undefined {
  if (!isObject(item)) return owned[`v:${JSON.stringify(item)}`];
  const entry = Object.keys(owned).find((k) => k.startsWith('k:') && matchesKey(item, k));
  return entry === undefined ? undefined : owned[entry];
}

/**
 * The item carries the key's values. A key field the item leaves out is one the apiserver defaulted before
 * recording the key (a port's `protocol: TCP`), so it does not tell items apart here.
 */
function matchesKey(item: Record<string, unknown>, entry: string): boolean {
  const key = JSON.parse(entry.slice(2)) as Record<string, unknown>;
  const fields = Object.entries(key);
  return (
    fields.some(([f]) => item[f] !== undefined) &&
    fields.every(([f, v]) => item[f] === undefined || item[f] === v)
  );
}

const describeItem = (item: unknown, i: number): string => {
  if (!isObject(item)) return JSON.stringify(item);
  return String(item.name ?? item.mountPath ?? item.port ?? item.containerPort ?? item.uid ?? i);
};

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * `compute` once per frozen rendered object and cached live object, its answer reused for the same pair.
 * Neither changes while it is held: the rendering is reused frozen while the spec is unchanged, and the
 * cache replaces an object on every event instead of changing it. So a reconcile that finds the same pair
 * as the one before (most do: a resync, an event of another object of the cluster) does not walk every
 * applied field again, which was a large share of a reconcile. Keyed weakly by the live object: an entry
 * goes with the version it was computed for. Anything not frozen is computed every time.
 */
export function oncePerPair<R>(): (rendered: object, live: KubeObject, compute: () => R) => R {
  const known = new WeakMap<KubeObject, { readonly rendered: object; readonly value: R }>();
  return (rendered, live, compute) => {
    if (!Object.isFrozen(rendered)) return compute();
    const hit = known.get(live);
    if (hit?.rendered === rendered) return hit.value;
    const value = compute();
    known.set(live, { rendered, value });
    return value;
  };
}

/** Field managers that own a drifted field in `live` now, for messages: who changed it. */
export function ownersOf(live: KubeObject, drift: Drift): string[] {
  const entries = (live.metadata.managedFields ?? []) as ManagedFieldsEntry[];
  if (drift.steps.length === 0) return [];
  return entries
    .filter((e) => {
      let node: FieldSet | undefined = e.fieldsV1;
      for (const step of drift.steps) {
        if (!node) return false;
        node = 'field' in step ? node[`f:${step.field}`] : itemNode(node, step.item);
      }
      return node !== undefined;
    })
    .map((e) => (e.subresource ? `${e.manager} (${e.subresource})` : (e.manager ?? 'unknown')));
}
