// The objects of one informer's store by the uid of their controller owner (the controller ownerReference,
// at most one per object). The prune, render and retire steps ask for what one TrackerCluster owns on
// every reconcile; filtering the whole cache for it cost time in proportion to every cluster's objects,
// so a namespace with n clusters paid n² per round of reconciles. The index is kept in step with the
// store: every set and delete of the informer goes through it, including an owner that changes.
import type { KubeObject } from '../../kube/object.ts';

/** The uid of the object's controller owner, if any. */
export const controllerUid = (obj: KubeObject): string | undefined =>
  obj.metadata.ownerReferences?.find((r) => r.controller)?.uid;

export class OwnerIndex {
  /** Owner uid → store key → object. */
  readonly #byOwner = new Map<string, Map<string, KubeObject>>();
  /** Store key → the owner uid it is indexed under (to move or drop it when the object changes). */
  readonly #ownerOf = new Map<string, string>();

  /** The object stored under `key` is now `obj`. */
  set(key: string, obj: KubeObject): void {
    const uid = controllerUid(obj);
    const before = this.#ownerOf.get(key);
    if (before !== undefined && before !== uid) this.#drop(key, before);
    if (uid === undefined) return;
    this.#ownerOf.set(key, uid);
    let owned = this.#byOwner.get(uid);
    if (!owned) {
      owned = new Map();
      this.#byOwner.set(uid, owned);
    }
    owned.set(key, obj);
  }

  /** The object stored under `key` is gone. */
  delete(key: string): void {
    const before = this.#ownerOf.get(key);
    if (before !== undefined) this.#drop(key, before);
  }

  /** The objects whose controller owner has `uid` (a fresh array). */
  owned(uid: string): KubeObject[] {
    const owned = this.#byOwner.get(uid);
    return owned ? [...owned.values()] : [];
  }

  /** Owners with at least one object (for tests: an emptied owner leaves no entry behind). */
  get owners(): number {
    return this.#byOwner.size;
  }

  #drop(key: string, uid: string): void {
    this.#ownerOf.delete(key);
    const owned = this.#byOwner.get(uid);
    owned?.delete(key);
    if (owned?.size === 0) this.#byOwner.delete(uid);
  }
}
