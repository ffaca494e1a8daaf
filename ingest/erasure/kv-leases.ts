// Who runs a request of the shared erasure journal: the instance holding its lease, a key of the bucket
// (`lease.<request id>`) saying which instance holds it and until when. A lease is taken and renewed by
// compare-and-set on the key's revision, so of two instances taking the same request at once one wins.
// Its holder renews it while it works on the request; one that dies stops renewing, and once the lease
// is past its end another instance takes it. The holder counts its lease lapsed a renewal period before
// its end, so it stops before another can start (clocks of the instances agreeing within that period).
// The lease is its own key, not part of the entry: renewing it never rewrites the person's ids.
import { JetStreamApiCodes, JetStreamApiError } from '@nats-io/jetstream';
import type { KV, KvEntry } from '@nats-io/kv';

export interface LeaseTiming {
  /** A lease not renewed for this long may be taken by another instance. */
  readonly leaseMs: number;
  /** Renewed this often; the holder counts it lapsed this long before its end. */
  readonly renewMs: number;
}

/** Leases of a minute, renewed every 15 s: a dead holder's requests are resumed about a minute later. */
export const DEFAULT_LEASE: LeaseTiming = { leaseMs: 60_000, renewMs: 15_000 };

const RELEASE_WAIT_MS = 2_000;

interface Lease {
  readonly holder: string;
  readonly until: number;
}

interface Held {
  readonly revision: number;
  readonly until: number;
}

export const leaseKey = (requestId: string) => `lease.${requestId}`;

/** A stored lease, or an expired one when the value is not a lease (an instance may take it). */
export function readLease(entry: KvEntry): Lease {
  try {
    const v = entry.json<Partial<Lease>>();
    if (typeof v.holder === 'string' && typeof v.until === 'number')
      return { holder: v.holder, until: v.until };
  } catch {
    // not JSON: taken as expired below
  }
  return { holder: '', until: 0 };
}

/** The compare-and-set lost: another instance wrote the key (or removed it) since it was read. */
export const lostRace = (err: unknown) =>
  err instanceof JetStreamApiError &&
  (err.code === JetStreamApiCodes.StreamWrongLastSequence ||
    err.code === JetStreamApiCodes.StreamWrongLastSequenceUnknown);

export class Leases {
  readonly #kv: KV;
  readonly #holder: string;
  readonly #timing: LeaseTiming;
  readonly #now: () => number;
  readonly #held = new Map<string, Held>();
  readonly #timer: NodeJS.Timeout;
  #renewing = false;

  constructor(kv: KV, holder: string, timing: LeaseTiming, now: () => number) {
    this.#kv = kv;
    this.#holder = holder;
    this.#timing = timing;
    this.#now = now;
    this.#timer = setInterval(() => void this.#renewAll(), timing.renewMs);
    this.#timer.unref();
  }

  /** The lease of a request nobody holds yet (its entry is about to be written); rejects if not stored. */
  async create(requestId: string): Promise<void> {
    const until = this.#now() + this.#timing.leaseMs;
    const revision = await this.#kv.create(leaseKey(requestId), this.#value(until));
    this.#held.set(requestId, { revision, until });
  }

  /** Takes the lease unless another instance holds one that has not ended; false when it lost a race. */
  async take(requestId: string): Promise<boolean> {
    if (this.holds(requestId)) return true;
    const key = leaseKey(requestId);
    const current = await this.#kv.get(key);
    const until = this.#now() + this.#timing.leaseMs;
    try {
      let revision: number;
      if (current === null || current.operation !== 'PUT') {
        revision = await this.#kv.create(key, this.#value(until));
      } else {
        const lease = readLease(current);
        if (lease.holder !== this.#holder && lease.until > this.#now()) return false;
        revision = await this.#kv.update(key, this.#value(until), current.revision);
      }
      this.#held.set(requestId, { revision, until });
      return true;
    } catch (err) {
      if (lostRace(err)) return false;
      throw err;
    }
  }

  holds(requestId: string): boolean {
    const held = this.#held.get(requestId);
    return held !== undefined && this.#now() < held.until - this.#timing.renewMs;
  }

  /** Ends this instance's lease at once (another instance may take the request at its next scan). */
  async release(requestId: string): Promise<void> {
    this.#held.delete(requestId);
    const current = await this.#kv.get(leaseKey(requestId));
    if (current?.operation !== 'PUT' || readLease(current).holder !== this.#holder) return;
    await this.#kv.update(leaseKey(requestId), this.#value(0), current.revision).catch(() => undefined);
  }

  /** The request is finished: nothing to renew (its key is purged with the entry). */
  forget(requestId: string): void {
    this.#held.delete(requestId);
  }

  /** Whether a lease has ended (a leftover of a request whose entry is gone may then be purged). */
  ended(entry: KvEntry): boolean {
    return entry.operation !== 'PUT' || readLease(entry).until <= this.#now();
  }

  /**
   * Stops renewing and releases every lease held: best effort, and for RELEASE_WAIT_MS at most (NATS away
   * must not eat the shutdown grace the data path drains in); an unreleased lease ends by itself.
   */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    const released = Promise.allSettled([...this.#held.keys()].map((id) => this.release(id)));
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, RELEASE_WAIT_MS);
    });
    await Promise.race([released, waited]);
    clearTimeout(timer);
  }

  #value(until: number): string {
    return JSON.stringify({ holder: this.#holder, until });
  }

  async #renewAll(): Promise<void> {
    if (this.#renewing) return;
    this.#renewing = true;
    try {
      await Promise.all([...this.#held].map(([id, held]) => this.#renew(id, held)));
    } finally {
      this.#renewing = false;
    }
  }

  async #renew(requestId: string, held: Held): Promise<void> {
    // lapsed (renewals failed while NATS was away): holds() already said so; another may take it now
    if (!this.holds(requestId)) {
      this.#held.delete(requestId);
      return;
    }
    const until = this.#now() + this.#timing.leaseMs;
    try {
      const revision = await this.#kv.update(leaseKey(requestId), this.#value(until), held.revision);
      if (this.#held.get(requestId) === held) this.#held.set(requestId, { revision, until });
    } catch (err) {
      // taken by another instance, or the request finished by one: no longer ours. Any other failure
      // (NATS away) is tried again at the next renewal, until the lease lapses.
      if (lostRace(err) && this.#held.get(requestId) === held) this.#held.delete(requestId);
    }
  }
}
