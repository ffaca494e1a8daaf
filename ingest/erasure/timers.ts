// The worker's delayed steps (retries, second passes, rescans): none keeps the process alive, and a stop
// clears them all, so nothing starts once it is closed.
export class StoppableTimers {
  readonly #timers = new Set<NodeJS.Timeout>();
  #stopped = false;

  get stopped(): boolean {
    return this.#stopped;
  }

  /** Runs `fn` after `ms`, unless stopped by then (or already). */
  after(ms: number, fn: () => void): void {
    if (this.#stopped) return;
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      if (!this.#stopped) fn();
    }, ms);
    timer.unref();
    this.#timers.add(timer);
  }

  stop(): void {
    this.#stopped = true;
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
  }
}
