// Long work outside the reconcile: a reconcile must not hold its TrackerCluster's key for the seconds
// ClickHouse takes to migrate or verify a schema (every event for that cluster would wait for it). A step
// starts the work here as a background task, reads the last result the next time it runs, and the
// completion enqueues the cluster again. Per owner (a TrackerCluster's key): at most one task runs at a
// time (single flight); a task has a key (what it was started for: the replicas, the schema version, ...),
// and asking for the key that runs is a no-op; a task for another key starts once the running one has
// settled (two passes of DDL against one ClickHouse never overlap). Results are remembered per owner, with
// their key and age, until forgotten.

export type TaskResult<R> = {
  readonly key: string;
  /** When the task settled (performance.now()). */
  readonly at: number;
  readonly seconds: number;
  readonly ok: boolean;
  readonly value?: R;
  readonly error?: Error;
};

export interface TaskOptions<R> {
  /**
   * Called when a task settled and its result was stored: `changed` when the owner's previous result was a
   * different one (absent, another key, a failure, or not `same`). The controller enqueues the owner then.
   */
  readonly onSettled: (owner: string, result: TaskResult<R>, changed: boolean) => void;
  /** Whether two successful results of one key say the same (a re-verification that found nothing new). */
  readonly same?: (a: R, b: R) => boolean;
}

type Entry<R> = {
  /** The task running or waiting to run, by key. */
  running?: { key: string; done: Promise<void> };
  last?: TaskResult<R>;
  /** Bumped by forget(): a task started before it settles without storing its result. */
  epoch: number;
};

export class BackgroundTasks<R> {
  readonly #o: TaskOptions<R>;
  readonly #entries = new Map<string, Entry<R>>();
  readonly #all = new Set<Promise<void>>();

  constructor(options: TaskOptions<R>) {
    this.#o = options;
  }

  /** The key of the owner's running task, if any. */
  running(owner: string): string | undefined {
    return this.#entries.get(owner)?.running?.key;
  }

  last(owner: string): TaskResult<R> | undefined {
    return this.#entries.get(owner)?.last;
  }

  /** Every owner with a task or a result (a deleted cluster's are forgotten by owner). */
  owners(): string[] {
    return [...this.#entries.keys()];
  }

  /** Starts `run` for `key` unless a task for that key already runs; false when nothing was started. */
  start(owner: string, key: string, run: () => Promise<R>): boolean {
    const entry = this.#entries.get(owner) ?? { epoch: 0 };
    this.#entries.set(owner, entry);
    if (entry.running?.key === key) return false;
    const previous = entry.running?.done ?? Promise.resolve();
    const epoch = entry.epoch;
    const done = previous.then(() => this.#run(owner, entry, key, epoch, run));
    entry.running = { key, done };
    this.#all.add(done);
    void done.finally(() => {
      this.#all.delete(done);
      if (entry.running?.done === done) entry.running = undefined;
    });
    return true;
  }

  /** Drops the owner's result: the next reader starts afresh (a running task's result is discarded). */
  forget(owner: string): void {
    const entry = this.#entries.get(owner);
    if (!entry) return;
    entry.last = undefined;
    entry.epoch++;
    if (!entry.running) this.#entries.delete(owner);
  }

  /** Waits for every running task, at most `timeoutMs`; true when all settled. */
  drain(timeoutMs: number): Promise<boolean> {
    return settledWithin([...this.#all], timeoutMs);
  }

  async #run(owner: string, entry: Entry<R>, key: string, epoch: number, run: () => Promise<R>) {
    const started = performance.now();
    let result: TaskResult<R>;
    try {
      const value = await run();
      result = { key, at: performance.now(), seconds: (performance.now() - started) / 1000, ok: true, value };
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      result = {
        key,
        at: performance.now(),
        seconds: (performance.now() - started) / 1000,
        ok: false,
        error,
      };
    }
    const stale = entry.epoch !== epoch;
    const changed = stale || !this.#same(entry.last, result);
    if (!stale) entry.last = result;
    this.#o.onSettled(owner, result, changed);
  }

  #same(before: TaskResult<R> | undefined, after: TaskResult<R>): boolean {
    if (!before?.ok || !after.ok || before.key !== after.key) return false;
    return this.#o.same?.(before.value as R, after.value as R) ?? false;
  }
}

/** Waits for `work` to settle, at most `timeoutMs`; true when it did. */
export async function settledWithin(work: readonly Promise<unknown>[], timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((r) => {
    timer = setTimeout(() => r(false), timeoutMs);
  });
  const drained = await Promise.race([Promise.allSettled(work).then(() => true), timeout]);
  clearTimeout(timer);
  return drained;
}
