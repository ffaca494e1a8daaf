// ClickHouse clients reused across reconciles: one per replica URL, so a steady-state reconcile (which reads
// the schema version on every replica) reuses pooled keep-alive sockets instead of creating a client, a
// socket and a TLS handshake per replica per reconcile. Bounded: beyond `max` URLs the least recently used
// IDLE client is closed (a client in use by another worker is never closed under it). A password change for
// a URL replaces its client; a client whose query failed is not reused (fresh sockets on the next try).
import type { SqlRunner } from '../store/index.ts';

export type SqlClient = SqlRunner & { close(): Promise<void> };

type Entry = {
  readonly client: SqlClient;
  readonly password: string;
  users: number;
  retired: boolean;
  closing?: Promise<void>;
};

export type ClientCacheOptions = {
  /** Creates the client for one URL (the `clickhouse` store in the operator, a fake in unit tests). */
  readonly create: (url: string, password: string) => SqlClient;
  /** Most URLs with an open client; default 64 (replicas of every TrackerCluster this operator reconciles). */
  readonly max?: number;
};

export class ClientCache {
  readonly #entries = new Map<string, Entry>();
  readonly #create: ClientCacheOptions['create'];
  readonly #max: number;
  #closed = false;

  constructor(opts: ClientCacheOptions) {
    this.#create = opts.create;
    this.#max = opts.max ?? 64;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Runs `fn` with the client for `url`; the cache owns the client (callers never close it). */
  async use<T>(url: string, password: string, fn: (sql: SqlRunner) => Promise<T>): Promise<T> {
    if (this.#closed) throw new Error(`query ${url}: ClickHouse clients are closed (operator stopping)`);
    const entry = this.#acquire(url, password);
    entry.users++;
    try {
      return await fn(entry.client);
    } catch (err) {
      this.#retire(url, entry);
      throw err;
    } finally {
      entry.users--;
      if (entry.retired && entry.users === 0) await closeQuietly(entry);
    }
  }

  /** Closes every client; called once the controller has drained its reconciles. */
  async close(): Promise<void> {
    this.#closed = true;
    const entries = [...this.#entries.values()];
    this.#entries.clear();
    for (const e of entries) e.retired = true;
    await Promise.all(entries.map(closeQuietly));
  }

  #acquire(url: string, password: string): Entry {
    const existing = this.#entries.get(url);
    if (existing && existing.password === password) {
      // Re-insert: Map order is the recency order the eviction below walks.
      this.#entries.delete(url);
      this.#entries.set(url, existing);
      return existing;
    }
    if (existing) this.#retire(url, existing);
    const entry: Entry = { client: this.#create(url, password), password, users: 0, retired: false };
    this.#entries.set(url, entry);
    this.#evict(url);
    return entry;
  }

  /** Oldest idle clients first; when every other client is busy the cache is over `max` until they finish. */
  #evict(keep: string): void {
    for (const [url, e] of this.#entries) {
      if (this.#entries.size <= this.#max) return;
      if (e.users === 0 && url !== keep) this.#retire(url, e);
    }
  }

  #retire(url: string, entry: Entry): void {
    if (this.#entries.get(url) === entry) this.#entries.delete(url);
    entry.retired = true;
    if (entry.users === 0) void closeQuietly(entry);
  }
}

// Once per client. Closing a pool cannot fail in a way the operator could act on, so a failed close must
// not fail a reconcile.
function closeQuietly(entry: Entry): Promise<void> {
  entry.closing ??= entry.client.close().catch(() => undefined);
  return entry.closing;
}
