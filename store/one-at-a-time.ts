// One call at a time on a chdb connection, queued here rather than inside chdb. The engine runs a
// connection's statements one after another, and a call waiting for its connection waits on a libuv pool
// thread: a few tables flushing at once would hold the pool's threads (four by default), and with them the
// spool's writes and syncs that every acknowledgement waits for. Queued as promises, waiting calls hold
// nothing. It also keeps a failed statement's cleanup (a throwaway read that takes the output chdb kept)
// next to the statement, before any other call on the connection can receive that output.

export class OneAtATime {
  #chain: Promise<unknown> = Promise.resolve();
  #pending = 0;

  /** Calls running or waiting. */
  get pending(): number {
    return this.#pending;
  }

  /** Runs `call` once every call queued before it has ended, whether it succeeded or failed. */
  run<T>(call: () => Promise<T>): Promise<T> {
    this.#pending++;
    const next = this.#chain.then(call).finally(() => {
      this.#pending--;
    });
    this.#chain = next.catch(() => undefined);
    return next;
  }

  /** Resolves once every call queued so far has ended. */
  async drained(): Promise<void> {
    await this.#chain;
  }
}
