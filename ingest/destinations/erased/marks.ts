// The persons an erase request named, as the destinations must know them: a mark per request, holding
// keyed digests of the ids the erasure matches in the store (vid, uid, the email hash in params.ehash),
// its org scope and when it was asked, never an id itself. A mark outlives its request (the journal
// entry goes within seconds; an event may wait in a backlog for days), and a file or bucket of clear ids
// kept that long would be a list of the people who asked to be forgotten: with the digests, only the
// ingest's hash key can tell whether a given id is there. matches() is the one rule every forwarder and
// every dead-letter rewrite applies; which ids of a row count is privacy/erased-ids.ts, shared with the
// data path's dead-letter rewrite.
import { type ErasedKind, erasedIdsOf, type LinkedPersonIds, orgless } from '../../privacy/erased-ids.ts';
import type { Hasher } from '../../privacy/hash.ts';
import type { StoredEvent } from '../contract.ts';

/** The keyed hash domain of the digests (distinct from every domain the stored hashes use). */
const DOMAIN = 'erased-id';

export interface ErasedMark {
  readonly requestId: string;
  /** When the erase request was accepted (ms since the epoch). */
  readonly askedAt: number;
  /** Only events of this org (an API key's erasure); absent: every org (the visitor's own). */
  readonly oid?: string;
  /**
   * Digests of `<kind>:<id>` for each id the request named (kind vid, uid or ehash) and each vid and uid
   * found linked to them.
   */
  readonly digests: readonly string[];
}

/** The ids an erase request names (the erasure journal's target, which this stage does not import). */
export interface ErasedTarget {
  readonly vid?: string;
  readonly uid?: string;
  readonly ehash?: string;
  readonly oid?: string;
}

export interface ErasedRequest {
  readonly requestId: string;
  readonly target: ErasedTarget;
  readonly askedAt: number;
  /**
   * The vids and uids the store's erasure found linked to the target (known once it read the events):
   * their queued events are the person's too.
   */
  readonly linked?: LinkedPersonIds;
}

type Kind = ErasedKind;

const digestOf = (hasher: Hasher, kind: Kind, id: string): string => hasher.hash(DOMAIN, `${kind}:${id}`);

/** The mark of an erase request: its ids and those linked to them digested, its scope kept. */
export function markOf(request: ErasedRequest, hasher: Hasher): ErasedMark {
  const { vid, uid, ehash, oid } = request.target;
  const { vids = [], uids = [] } = request.linked ?? {};
  const ids: [Kind, string | undefined][] = [
    ['vid', vid],
    ['uid', uid],
    ['ehash', ehash],
    ...vids.map((id): [Kind, string] => ['vid', id]),
    ...uids.map((id): [Kind, string] => ['uid', id]),
  ];
  const all = ids.flatMap(([kind, id]) => (id === undefined ? [] : [digestOf(hasher, kind, id)]));
  const digests = [...new Set(all)];
  return {
    requestId: request.requestId,
    askedAt: request.askedAt,
    digests,
    ...(oid === undefined ? {} : { oid }),
  };
}

/**
 * The marks this process knows, indexed by digest. An event matches when one of its ids is a mark's,
 * and the mark names no org or the event's; events of the person stored after the request also match
 * while the mark lives (no event time decides: a client can set it).
 */
export class ErasedSet {
  readonly #hasher: Hasher;
  readonly #marks = new Map<string, ErasedMark>();
  /** Digest → the orgs its marks scope to (undefined in the set: every org). */
  #index = new Map<string, Set<string | undefined>>();

  constructor(hasher: Hasher) {
    this.#hasher = hasher;
  }

  get size(): number {
    return this.#marks.size;
  }

  marks(): ErasedMark[] {
    return [...this.#marks.values()];
  }

  add(mark: ErasedMark): void {
    this.#marks.set(mark.requestId, mark);
    for (const d of mark.digests) {
      const scopes = this.#index.get(d) ?? new Set();
      scopes.add(mark.oid);
      this.#index.set(d, scopes);
    }
  }

  remove(requestId: string): void {
    if (!this.#marks.delete(requestId)) return;
    this.#index = new Map();
    for (const mark of this.#marks.values()) this.add(mark);
  }

  /** Whether the event belongs to a person an erase request named (no digest is computed without marks). */
  matches = (row: StoredEvent): boolean => {
    if (this.#marks.size === 0) return false;
    for (const [kind, id] of erasedIdsOf(row)) {
      const scopes = this.#index.get(digestOf(this.#hasher, kind, id));
      if (scopes === undefined) continue;
      // a row of no org is in every scope, as the store's erasure deletes it in any org's
      if (scopes.has(undefined) || orgless(row) || scopes.has(String(row.oid))) return true;
    }
    return false;
  };
}
