// The lane of the work reconciles hand over (reconcile/state.ts `detach`): the Events that tell what a
// reconcile did. They were 38% of the operator's requests with 50 new TrackerClusters (15 per cluster),
// and on an apiserver that is already slow every one of them delays the applies and status writes that
// reactions wait for. So at most `slots` of them are in flight; the rest wait here, in the order they
// were handed over (each cluster's Events stay in order: a reconcile hands over its Events as one piece
// of work, and its next reconcile's Events come later).
export class EventLane {
  readonly #slots: number;
  readonly #waiting: (() => void)[] = [];
  readonly #pending = new Set<Promise<unknown>>();
  #running = 0;

  constructor(slots: number) {
    this.#slots = slots;
  }

  /** Work handed over and not finished yet (waiting for a slot or running). */
  get pending(): Promise<unknown>[] {
    return [...this.#pending];
  }

  /** Runs `work` once a slot is free; its failure is the work's own business (it logs), never thrown here. */
  add(work: () => Promise<unknown>): void {
    const done = this.#slot()
      .then(work)
      .catch(() => undefined)
      .finally(() => {
        this.#pending.delete(done);
        this.#running--;
        this.#waiting.shift()?.();
      });
    this.#pending.add(done);
  }

  #slot(): Promise<void> {
    if (this.#running < this.#slots) {
      this.#running++;
      return Promise.resolve();
    }
    return new Promise((resolve) =>
      this.#waiting.push(() => {
        this.#running++;
        resolve();
      }),
    );
  }
}
