// A bound on the time a request waits for a remote store (NATS KV: shared rate limits, salts). The NATS
// client's own timeout (5 s a call) applies to each call, and a request's calls run one after the other:
// against a NATS server that is frozen rather than down, they added up to many times the time the
// request was meant to wait. One deadline, shared by a request's calls, bounds their total.

export class DeadlineError extends Error {
  override readonly name = 'DeadlineError';
}

/**
 * What `work` resolves to, if it does before `until` (a Date.now() time); otherwise a DeadlineError naming
 * `what`. Past the deadline `work` is not started; a call already started is left to its own timeout, its
 * late failure dropped.
 */
export function beforeDeadline<T>(work: () => Promise<T>, until: number, what: string): Promise<T> {
  const left = until - Date.now();
  if (left === Number.POSITIVE_INFINITY) return work();
  if (left <= 0) return Promise.reject(new DeadlineError(`${what}: no time left`));
  const started = work();
  started.catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineError(`${what}: no answer within ${left} ms`)), left);
  });
  return Promise.race([started, late]).finally(() => clearTimeout(timer));
}
