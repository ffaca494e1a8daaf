// Reused memory for the records the data path writes to its spool (ADR 0054).
//
// A validated request's lines are copied out of the validator's scratch into a slab, one after the other,
// and the view handed to the spool's append; the data path gives the view back once that append has
// settled (written and synced, or refused). A slab is written again only when every view cut from it has
// come back, so a record is never overwritten while a write of it can still be in progress. Fresh
// buffers per request lived as long as the write and its fdatasync, long enough under load to be
// promoted to V8's old generation, where they waited for a full collection: most of the garbage the
// peak under 100-event POSTs was made of.

/** One slab: views are cut from `used` on; `lent` of them have not come back. */
interface Slab {
  readonly memory: Buffer;
  used: number;
  lent: number;
}

export interface SlabOptions {
  /** Bytes of one slab. */
  readonly slabBytes: number;
  /** Slabs kept for reuse once free (beyond them, a freed slab is left to the collector). */
  readonly keep: number;
}

/** 1 MiB slabs, four kept free: a full load of 100-event requests at 64 connections lends ~3 MiB. */
export const SLAB_DEFAULTS: SlabOptions = { slabBytes: 1024 * 1024, keep: 4 };

const EMPTY = Buffer.alloc(0);

export class RecordSlabs {
  readonly #opts: SlabOptions;
  /**
   * Slabs by their memory (a view's `buffer`). Weak: a slab is held strongly only while current or kept
   * free, so a view that never came back (a path that failed to give it back) costs what a fresh buffer
   * did, collected with its slab, instead of pinning the slab for the life of the process.
   */
  readonly #slabs = new WeakMap<ArrayBufferLike, Slab>();
  readonly #free: Slab[] = [];
  #current: Slab | undefined;
  #lent = 0;
  #made = 0;

  constructor(opts: SlabOptions = SLAB_DEFAULTS) {
    this.#opts = opts;
  }

  /**
   * A copy of `bytes`, lent until `giveBack`. One larger than a quarter of a slab (a rare huge request)
   * is a fresh buffer of its own: `giveBack` ignores it and the collector frees it.
   */
  copy(bytes: Buffer): Buffer {
    if (bytes.length === 0) return EMPTY;
    if (bytes.length > this.#opts.slabBytes / 4) return Buffer.from(bytes);
    const slab = this.#room(bytes.length);
    const view = slab.memory.subarray(slab.used, slab.used + bytes.length);
    bytes.copy(view);
    slab.used += bytes.length;
    slab.lent++;
    this.#lent++;
    return view;
  }

  /** Takes back a view `copy` lent: exactly once per view, once nothing reads or writes it any more. */
  giveBack(view: Buffer): void {
    const slab = this.#slabs.get(view.buffer);
    if (slab === undefined) return;
    slab.lent--;
    this.#lent--;
    if (slab.lent > 0) return;
    slab.used = 0;
    if (slab !== this.#current && this.#free.length < this.#opts.keep) this.#free.push(slab);
  }

  /** Views out, and slabs made so far: for tests and the bench. */
  get stats(): { lent: number; made: number } {
    return { lent: this.#lent, made: this.#made };
  }

  /** The current slab when it has room for `bytes`, else a free one (or a new one) becomes current. */
  #room(bytes: number): Slab {
    const current = this.#current;
    if (current !== undefined && current.used + bytes <= current.memory.length) return current;
    // The slab being left is full and has views out (one with none was rewound by giveBack): it becomes
    // free when the last of them comes back.
    const next = this.#free.pop() ?? this.#fresh();
    this.#current = next;
    return next;
  }

  #fresh(): Slab {
    const slab = { memory: Buffer.allocUnsafeSlow(this.#opts.slabBytes), used: 0, lent: 0 };
    this.#slabs.set(slab.memory.buffer, slab);
    this.#made++;
    return slab;
  }
}
