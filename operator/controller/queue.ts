// Keyed work queue with controller-runtime semantics: a key is queued at most once (dedup), never reconciled
// by two workers at once (an add during its reconcile marks it dirty and it runs again afterwards), failed
// keys come back after a per-key exponential backoff, and a reconcile may ask to run again after a delay.
export type ReconcileResult = { requeueAfterMs?: number } | undefined;
export type Handler = (key: string) => Promise<ReconcileResult | undefined>;

export interface QueueOptions {
  readonly workers: number;
  readonly backoffBaseMs: number;
  readonly backoffMaxMs: number;
  readonly handler: Handler;
  /** Called with the number of waiting keys whenever it changes (the queue-depth gauge). */
  readonly onDepth?: (depth: number) => void;
  readonly onError?: (key: string, err: unknown) => void;
}

export class WorkQueue {
  readonly #o: QueueOptions;
  readonly #queue: string[] = [];
  readonly #queued = new Set<string>();
  readonly #processing = new Map<string, Promise<void>>();
  readonly #dirty = new Set<string>();
  readonly #failures = new Map<string, number>();
  readonly #timers = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  #running = false;
  #stopping = false;

  constructor(options: QueueOptions) {
    this.#o = options;
  }

  get depth(): number {
    return this.#queue.length;
  }
  get inFlight(): number {
    return this.#processing.size;
  }

  start(): void {
    this.#running = true;
    this.#pump();
  }

  add(key: string): void {
    if (this.#stopping) return;
    if (this.#processing.has(key)) {
      this.#dirty.add(key);
      return;
    }
    if (this.#queued.has(key)) return;
    this.#queued.add(key);
    this.#queue.push(key);
    this.#o.onDepth?.(this.#queue.length);
    this.#pump();
  }

  /** Adds the key after `ms`; an earlier pending delay for the same key wins. */
  addAfter(key: string, ms: number): void {
    if (this.#stopping) return;
    if (ms <= 0) {
      this.add(key);
      return;
    }
    const at = Date.now() + ms;
    const pending = this.#timers.get(key);
    if (pending && pending.at <= at) return;
    if (pending) clearTimeout(pending.timer);
    const timer = setTimeout(() => {
      this.#timers.delete(key);
      this.add(key);
    }, ms);
    this.#timers.set(key, { at, timer });
  }

  /** Failures of a key so far (reset by a successful reconcile). */
  failures(key: string): number {
    return this.#failures.get(key) ?? 0;
  }

  /** Stops taking work, drops waiting keys and waits (bounded) for in-flight reconciles to finish. */
  async shutdown(timeoutMs: number): Promise<boolean> {
    this.#stopping = true;
    for (const { timer } of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
    this.#queue.length = 0;
    this.#queued.clear();
    this.#o.onDepth?.(0);
    const all = Promise.all(this.#processing.values()).then(() => true);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((r) => {
      timer = setTimeout(() => r(false), timeoutMs);
    });
    const drained = await Promise.race([all, timeout]);
    clearTimeout(timer);
    return drained;
  }

  #pump(): void {
    while (this.#running && !this.#stopping && this.#processing.size < this.#o.workers) {
      const key = this.#queue.shift();
      if (key === undefined) return;
      this.#queued.delete(key);
      this.#o.onDepth?.(this.#queue.length);
      this.#processing.set(key, this.#process(key));
    }
  }

  async #process(key: string): Promise<void> {
    try {
      const result = await this.#o.handler(key);
      this.#failures.delete(key);
      if (result?.requeueAfterMs !== undefined) this.addAfter(key, result.requeueAfterMs);
    } catch (err) {
      const n = (this.#failures.get(key) ?? 0) + 1;
      this.#failures.set(key, n);
      this.#o.onError?.(key, err);
      this.addAfter(key, this.backoffMs(n));
    } finally {
      this.#processing.delete(key);
      if (this.#dirty.delete(key)) this.add(key);
      this.#pump();
    }
  }

  backoffMs(failures: number): number {
    return Math.min(this.#o.backoffMaxMs, this.#o.backoffBaseMs * 2 ** Math.min(failures - 1, 30));
  }
}
