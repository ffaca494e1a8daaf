// Awaiting conditions instead of sleeping: poll a probe until it passes or the deadline expires.
import { setTimeout as delay } from 'node:timers/promises';

export interface WaitOptions {
  readonly timeoutMs?: number;
  readonly intervalMs?: number;
  /** Named in the timeout error so a failing start says what it waited for. */
  readonly what: string;
  /** Checked between probes: a process that died will never become ready. */
  readonly abortIf?: () => string | undefined;
}

/**
 * The signal of a probe's request: it gives up after a few seconds. A server's port may have been taken by
 * another process that accepts the connection and never answers; a probe waiting on it forever would keep
 * waitFor from ever seeing that the server itself exited (of that port taken).
 */
export const probeSignal = (): AbortSignal => AbortSignal.timeout(5_000);

/** Resolves with the first truthy probe result; a throwing probe counts as "not yet". */
export async function waitFor<T>(probe: () => Promise<T | undefined | false>, opts: WaitOptions): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  let last: unknown;
  for (;;) {
    const aborted = opts.abortIf?.();
    if (aborted) throw new Error(`waiting for ${opts.what}: ${aborted}`);
    try {
      const value = await probe();
      if (value) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      const cause = last instanceof Error ? `: ${last.message}` : '';
      throw new Error(`timed out after ${opts.timeoutMs ?? 60_000} ms waiting for ${opts.what}${cause}`);
    }
    await delay(opts.intervalMs ?? 100);
  }
}
