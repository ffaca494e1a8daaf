// The apply helper: every rendered object goes through `applyObject` (server-side apply, field manager
// `tracker-operator`, force: the operator owns these fields), and the request itself through the one write
// path (write.ts). A reconcile with nothing to change must not write, so each applied object carries a hash
// of what was applied, and an object is applied only when (a) it is missing, (b) its live hash differs
// (the rendering changed), or (c) someone else changed a field the operator applies (drift.ts: the field
// left the operator's managed field set). Both checks read the informer cache only. `deleteObject` removes
// an owned object prune found no longer rendered.
import { EventReason } from '../../crds/conditions.ts';
import { hashOf, oncePerFrozen } from '../../kube/hash.ts';
import { kindOf } from '../../kube/kinds.ts';
import type { KubeObject } from '../../kube/object.ts';
import { objectPath } from '../../kube/paths.ts';
import { isNotFound } from '../../kube/rest.ts';
import { type Drift, driftedFields, oncePerPair, ownersOf } from './drift.ts';
import type { Deps, ReconcileState } from './state.ts';
import { recordEvent, write } from './write.ts';

export const fieldManager = 'tracker-operator';
/** Hash of the object as the operator last applied it (set by applyObject, compared before applying). */
export const appliedHashAnnotation = 'tracker.dev/applied-hash';

export type ApplyResult = 'unchanged' | 'applied';

/**
 * The object plus its applied-hash annotation (the hash excludes the annotation itself); a rendered
 * (frozen) object is hashed once, not on every apply and check of every reconcile (kube/hash.ts).
 */
export const withAppliedHash: (obj: KubeObject) => KubeObject = oncePerFrozen((obj) => {
  const annotations = { ...obj.metadata.annotations, [appliedHashAnnotation]: hashOf(obj) };
  return { ...obj, metadata: { ...obj.metadata, annotations } };
});

/** Live object from the informer cache, or from the apiserver for kinds without an informer. */
export async function liveObject(obj: KubeObject, deps: Deps): Promise<KubeObject | undefined> {
  const ns = obj.metadata.namespace ?? 'default';
  const type = kindOf(obj.apiVersion, obj.kind);
  if (type.watched) return deps.cache.get(type, ns, obj.metadata.name);
  return deps.rest.getOrUndefined<KubeObject>(objectPath(type, ns, obj.metadata.name));
}

export function upToDate(desired: KubeObject, live: KubeObject | undefined): boolean {
  if (!live || live.metadata.deletionTimestamp) return false;
  return (
    live.metadata.annotations?.[appliedHashAnnotation] ===
    desired.metadata.annotations?.[appliedHashAnnotation]
  );
}

/** The live object is what applyObject would apply now (hash-wise), e.g. the cache caught up with an apply. */
export function appliedAsRendered(obj: KubeObject, live: KubeObject | undefined): boolean {
  return upToDate(desiredOf(obj, live), live);
}

/** Fields of an up-to-date object that someone else changed since the operator applied them. */
export function driftOf(desired: KubeObject, live: KubeObject | undefined): Drift[] {
  return live && upToDate(desired, live) ? driftedFields(desired, live, fieldManager) : [];
}

/** driftOf, computed once per rendered (frozen) object and cached live object (drift.ts `oncePerPair`). */
const drifts = oncePerPair<readonly Drift[]>();

export function driftOnce(
  rendered: KubeObject,
  desired: KubeObject,
  live: KubeObject | undefined,
): readonly Drift[] {
  if (!live) return [];
  return drifts(rendered, live, () => Object.freeze(driftOf(desired, live)));
}

/**
 * What is applied: the rendered object with its applied-hash, and immutable fields as they are live. The
 * hash is of the RENDERING: taken after keeping the live fields, it would change once the apiserver had
 * defaulted them (a StatefulSet's claim templates gain volumeMode, status) and apply every new set twice.
 */
export function desiredOf(obj: KubeObject, live: KubeObject | undefined): KubeObject {
  return keepImmutable(withAppliedHash(obj), live);
}

/**
 * Fields the apiserver refuses to change keep their live value. StatefulSet volumeClaimTemplates are
 * immutable: storage growth is done on the PVCs themselves (steps/volumes.ts), never by recreating the set.
 */
export function keepImmutable(obj: KubeObject, live: KubeObject | undefined): KubeObject {
  if (!live || obj.kind !== 'StatefulSet') return obj;
  const liveTemplates = (live.spec as { volumeClaimTemplates?: unknown } | undefined)?.volumeClaimTemplates;
  if (liveTemplates === undefined) return obj;
  return { ...obj, spec: { ...(obj.spec as object), volumeClaimTemplates: liveTemplates } };
}

export async function applyObject(obj: KubeObject, state: ReconcileState, deps: Deps): Promise<ApplyResult> {
  const live = await liveObject(obj, deps);
  const desired = desiredOf(obj, live);
  const path = pathOf(desired);
  const hash = desired.metadata.annotations?.[appliedHashAnnotation];
  const type = kindOf(desired.apiVersion, desired.kind);
  // This very object was just applied and the cache has not seen that write yet (recent.ts).
  if (type.watched && hash && deps.recent.covers(path, hash, deps.cache.resourceVersion(type)))
    return 'unchanged';
  const drift = driftOnce(obj, desired, live);
  if (upToDate(desired, live) && drift.length === 0) return 'unchanged';
  const remember = (answer: unknown) => {
    const rv = (answer as KubeObject | undefined)?.metadata?.resourceVersion;
    if (type.watched && hash) deps.recent.remember(path, type, hash, rv, deps.cache.resourceVersion);
  };
  await write(state, deps, {
    verb: 'apply',
    path,
    target: targetOf(desired),
    query: { fieldManager, force: 'true' },
    body: desired,
    onWritten: remember,
  });
  if (live && drift.length > 0) await recordDrift(desired, live, drift, state, deps);
  return 'applied';
}

/** Says what was taken back and who had changed it (`kubectl describe` on the TrackerCluster shows it). */
async function recordDrift(
  desired: KubeObject,
  live: KubeObject,
  drift: readonly Drift[],
  state: ReconcileState,
  deps: Deps,
): Promise<void> {
  const fields = drift.slice(0, 5).map((d) => {
    const owners = ownersOf(live, d);
    return owners.length > 0 ? `${d.path} (changed by ${owners.join(', ')})` : `${d.path} (removed)`;
  });
  const more = drift.length > 5 ? ` and ${drift.length - 5} more` : '';
  const message = `Reverted ${targetOf(desired)}: ${fields.join('; ')}${more}`;
  deps.log.info('Reverted drift', { target: targetOf(desired), fields: drift.map((d) => d.path) });
  await recordEvent(state, deps, 'Normal', EventReason.DriftReverted, message);
}

/** Kinds whose pods read the other objects of their component (ConfigMaps, Secrets, Services). */
const WORKLOADS = new Set(['StatefulSet', 'Deployment', 'DaemonSet', 'Job']);

/**
 * Applies a component's objects: every apply is a round trip to the apiserver, so they are sent
 * concurrently, in two waves: first what the workloads reference (configuration, services, budgets), then
 * the workloads, so no pod starts before the configuration it mounts exists. Every write of a wave
 * settles before the first failure is thrown.
 */
export async function applyAll(
  objs: readonly KubeObject[],
  state: ReconcileState,
  deps: Deps,
): Promise<number> {
  const waves = [objs.filter((o) => !WORKLOADS.has(o.kind)), objs.filter((o) => WORKLOADS.has(o.kind))];
  let applied = 0;
  for (const wave of waves) {
    const results = await Promise.allSettled(wave.map((obj) => applyObject(obj, state, deps)));
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    applied += results.filter((r) => r.status === 'fulfilled' && r.value === 'applied').length;
  }
  return applied;
}

/** Deletes an object (its dependents in the background); one already gone counts as deleted. */
export async function deleteObject(obj: KubeObject, state: ReconcileState, deps: Deps): Promise<void> {
  const body = { propagationPolicy: 'Background' };
  deps.recent.forget(pathOf(obj));
  await write(state, deps, {
    verb: 'delete',
    path: pathOf(obj),
    target: targetOf(obj),
    body,
    accept: isNotFound,
  });
}

/** `Kind name`: how logs, errors and Events name an object. */
const targetOf = (obj: KubeObject): string => `${obj.kind} ${obj.metadata.name}`;

const pathOf = (obj: KubeObject): string =>
  objectPath(kindOf(obj.apiVersion, obj.kind), obj.metadata.namespace ?? 'default', obj.metadata.name);
