// A priority semaphore for bulk flushes: at most N run at once; when a slot frees, the waiting table
// with the best (lowest) priority goes first. Immediate tables do not use it, so they never queue
// behind bulk flushes (their rows are the ones a client waits to see).

export class FlushGate {
  readonly #slots: number;
  #busy = 0;
  readonly #waiting: { priority: number; seq: number; grant: () => void }[] = [];
  #seq = 0;

  constructor(slots: number) {
    this.#slots = slots;
  }

  async acquire(priority: number): Promise<() => void> {
    if (this.#busy < this.#slots) {
      this.#busy++;
      return this.#releaser();
    }
    await new Promise<void>((grant) => {
      this.#waiting.push({ priority, seq: this.#seq++, grant });
      this.#waiting.sort((a, b) => a.priority - b.priority || a.seq - b.seq);
    });
    return this.#releaser();
  }

  #releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#waiting.shift();
      if (next) next.grant();
      else this.#busy--;
    };
  }
}
